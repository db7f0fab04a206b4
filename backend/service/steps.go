package service

import (
	"context"
	"fmt"

	"patchbay/backend/domain"
	"patchbay/backend/providers"
)

// Execute runs one step for the runs engine: it checks the step's
// connection (refreshing an OAuth token; a permanent failure moves the
// connection to error and raises the bell) and then does the step's work
// against the provider: list its items into the local database
// (fetch_inventory, new_items) or post a summary to Slack (post_summary).
func (s *Service) Execute(ctx context.Context, st domain.Step) (string, domain.CheckResult, error) {
	c, err := s.store.GetConnection(ctx, st.ConnectionID)
	if err != nil {
		return "", domain.CheckResult{}, err
	}
	if c, err = s.check(ctx, c, false); err != nil {
		return "", domain.CheckResult{}, err
	}
	if c.Status != domain.StatusActive && c.LastError != nil {
		return "", *c.LastError, nil
	}
	if c.LastError != nil && !c.LastError.Class.Permanent() {
		return "", *c.LastError, nil // transient: the engine retries
	}
	t, p, err := s.target(ctx, c)
	if err != nil {
		return "", domain.CheckResult{}, err
	}
	switch st.Kind {
	case "fetch_inventory", "new_items":
		f, res, err := s.fetchInventory(ctx, c, t, p)
		if err != nil || !res.OK() {
			return "", res, err
		}
		return f.summary(), res, nil
	case "post_summary":
		if p.Post == nil {
			return "", domain.CheckResult{}, domain.Errorf(domain.EValidation, "%s cannot receive a summary; use a Slack connection", p.Name)
		}
		channel := "general"
		text := fmt.Sprintf("Patchbay: workflow step %q ran at %s.", st.Name, s.now().UTC().Format("2006-01-02 15:04 UTC"))
		res := s.validator.Post(ctx, t, *p.Post, channel, text)
		return res.Message, res, nil
	}
	return fmt.Sprintf("%s answered as %s.", c.Label, c.Identity), domain.CheckResult{Class: domain.ClassOK}, nil
}

// target builds the request target of a checked connection: its secrets,
// its fresh OAuth access token, and for a PAT pool the PAT with the most
// rate limit left.
func (s *Service) target(ctx context.Context, c domain.Connection) (providers.Target, *providers.Provider, error) {
	c, p, m, err := s.resolve(ctx, c.ID)
	if err != nil {
		return providers.Target{}, nil, err
	}
	sec, err := s.getSecrets(ctx, secretKeyOf(c))
	if err != nil {
		return providers.Target{}, nil, err
	}
	values := merged(c.Config, sec)
	if m.OAuth != nil {
		tok, err := s.oauthToken(ctx, c, m, values, false)
		if err != nil {
			return providers.Target{}, nil, err
		}
		values["accessToken"] = tok.AccessToken
	}
	if f, pooled := poolField(m); pooled {
		pool := splitPool(values[f.Key])
		if i := PickCredential(c.Credentials); i >= 0 && i < len(pool) {
			values[f.Key] = pool[i]
		} else if len(pool) > 0 {
			values[f.Key] = pool[0]
		}
	}
	return providers.Target{Provider: p, Mode: m, BaseURL: c.BaseURL, Values: values}, p, nil
}

// StartBackground marks sweeps a quit interrupted, resumes interrupted runs
// and, while ctx lasts, fires the triggers of published workflows when due.
// Runs parked for reauthorization resume when their connection is recorded
// active (recordCheck calls the engine directly; the event bus, which drops
// events for a slow subscriber, only tells the UI to reload).
func (s *Service) StartBackground(ctx context.Context) {
	if n, err := s.RecoverSweeps(ctx); err != nil {
		s.log.Error("recover sweeps", "err", err)
	} else if n > 0 {
		s.log.Info("marked interrupted sweeps", "sweeps", n)
	}
	if n, err := s.engine.Recover(ctx); err != nil {
		s.log.Error("recover runs", "err", err)
	} else if n > 0 {
		s.log.Info("resumed interrupted runs", "runs", n)
	}
	s.Go(func() { s.runTriggers(ctx) })
	s.Go(func() { s.runAlertRetries(ctx) })
}

// fetched is the outcome of listing a connection's items into the database.
type fetched struct {
	label, kind string
	names       []string
	added       []string // not stored before
	hadStored   bool     // some items were stored before this fetch
}

func (f fetched) summary() string {
	return fmt.Sprintf("Fetched %d %s from %s (%d new).", len(f.names), f.kind, f.label, len(f.added))
}

// fetchInventory lists a checked connection's items at the provider and
// stores them for offline review, telling which ones are new.
func (s *Service) fetchInventory(ctx context.Context, c domain.Connection, t providers.Target, p *providers.Provider) (fetched, domain.CheckResult, error) {
	if p.Inventory == nil {
		return fetched{}, domain.CheckResult{}, domain.Errorf(domain.EValidation, "%s has no inventory to fetch", p.Name)
	}
	f := fetched{label: c.Label, kind: p.Inventory.Kind}
	names, res := s.validator.Inventory(ctx, t, *p.Inventory)
	if !res.OK() {
		return f, res, nil
	}
	before, err := s.store.Inventory(ctx, c.ID, f.kind)
	if err != nil {
		return f, res, err
	}
	f.names, f.hadStored = names, len(before) > 0
	f.added, err = s.store.ReplaceInventory(ctx, c.ID, f.kind, names, s.now().UTC())
	return f, res, err
}
