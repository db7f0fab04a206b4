package service

import (
	"context"
	"fmt"
	"strings"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/providers"
)

// identityFields are the non-secret fields a re-authentication may change,
// because the new secret may belong to another account (seed 000/001: "enter
// your email and the new API key").
var identityFields = map[string]bool{"email": true, "username": true}

// ReauthenticateConnection replaces a connection's secret with a new one the
// user typed, but only after the provider accepts it: a failed attempt keeps
// the old secret and settings, and says why. It never changes the auth mode
// or any other setting.
func (s *Connections) ReauthenticateConnection(ctx context.Context, id string, in domain.ReauthDraft) (domain.ReauthResult, error) {
	out, err := s.reauthenticate(ctx, id, in)
	if c, gerr := s.store.GetConnection(ctx, id); gerr == nil {
		if err != nil {
			s.core.audit(ctx, c, domain.AuditReauthenticated, OutcomeFailed, domain.Public(err).Message)
		} else {
			detail := ""
			if in.Pool != "" {
				detail = "pool: " + in.Pool
			}
			s.core.audit(ctx, c, domain.AuditReauthenticated, OutcomeOK, detail)
		}
	}
	return out, err
}

func (s *Connections) reauthenticate(ctx context.Context, id string, in domain.ReauthDraft) (domain.ReauthResult, error) {
	c, p, m, err := s.resolve(ctx, id)
	if err != nil {
		return domain.ReauthResult{}, err
	}
	if !m.Reauth {
		return domain.ReauthResult{}, domain.Errorf(domain.EConflict, "%s", m.ReauthNote)
	}
	if m.OAuth1 != nil {
		return domain.ReauthResult{}, domain.Errorf(domain.EInvalid, "This connection uses Jira's application link: select Reauthorize connection, then Generate URL.")
	}
	values := map[string]string{}
	for k, v := range c.Config {
		values[k] = v
	}
	for k, v := range in.Config {
		if !identityFields[k] {
			return domain.ReauthResult{}, domain.FieldError(k, "Re-authentication changes only the credential. To change other settings, add a new integration.")
		}
		values[k] = v
	}
	for _, f := range m.Fields {
		if f.Secret() {
			values[f.Key] = in.Secrets[f.Key]
		}
	}
	if f, pooled := poolField(m); pooled {
		return s.reauthPool(ctx, c, p, m, f, values, in)
	}
	clean, warnings, err := providers.Normalize(m, values)
	if err != nil {
		return domain.ReauthResult{}, err
	}
	res := s.validator.Validate(ctx, providers.Target{Provider: p, Mode: m, BaseURL: c.BaseURL, Values: clean})
	if !res.OK() {
		res.Message += " Your previous credential was kept."
		return domain.ReauthResult{}, &domain.Error{Code: domain.EValidation, Message: res.Message, Check: &res}
	}
	newSecrets := map[string]string{}
	for _, f := range m.Fields {
		if f.Secret() {
			newSecrets[f.Key] = clean[f.Key]
		} else if identityFields[f.Key] {
			c.Config[f.Key] = clean[f.Key]
		}
	}
	// The secret goes first: if the keyring refuses, the connection still
	// points at the old secret, which is still stored.
	if err := s.putSecrets(ctx, secretKeyOf(c), newSecrets); err != nil {
		return domain.ReauthResult{}, err
	}
	members, err := s.groupMembers(ctx, c)
	if err != nil {
		return domain.ReauthResult{}, err
	}
	// Linked connections share the credential: their status moves with it.
	var out domain.Connection
	for _, x := range append([]domain.Connection{c}, members...) {
		saved, err := s.store.ChangeCredential(ctx, x.ID, func(x *domain.Connection) error {
			for k, v := range c.Config {
				if identityFields[k] {
					x.Config[k] = v
				}
			}
			x.SecretHint = hint(m, newSecrets)
			x.ApplyCheck(res)
			x.UpdatedAt = s.now().UTC()
			return nil
		})
		if err != nil {
			return domain.ReauthResult{}, fmt.Errorf("record re-authentication of %s: %w", x.ID, err)
		}
		s.log.Info("connection re-authenticated", "connection", x.ID, "provider", x.Provider)
		s.recordCheck(ctx, saved)
		s.bus.Publish(events.ConnectionChanged, events.ConnectionRef{ID: x.ID})
		if x.ID == c.ID {
			out = saved
		}
	}
	return domain.ReauthResult{Connection: out, Warnings: nonNil(warnings)}, nil
}

// WorkspaceImpact lists the workflows that saving this workspace selection
// would disconnect: those in a deselected workspace that use the connection.
func (s *Connections) WorkspaceImpact(ctx context.Context, id string, workspaceIDs []string) ([]domain.Workflow, error) {
	keep := map[string]bool{}
	for _, w := range workspaceIDs {
		keep[w] = true
	}
	all, err := s.store.ListWorkflows(ctx)
	if err != nil {
		return nil, err
	}
	out := []domain.Workflow{}
	for _, w := range all {
		if keep[w.WorkspaceID] {
			continue
		}
		for _, n := range append([]domain.Node{w.Trigger}, w.Actions...) {
			if n.ConnectionID == id {
				out = append(out, w)
				break
			}
		}
	}
	return out, nil
}

// UpdateConnectionWorkspaces sets which workspaces may use a connection; at
// least one must stay selected. Workflows in a deselected workspace that use
// the connection are disconnected: unpublished, their nodes unbound.
func (s *Connections) UpdateConnectionWorkspaces(ctx context.Context, id string, workspaceIDs []string) (domain.Connection, error) {
	if _, err := s.store.GetConnection(ctx, id); err != nil {
		return domain.Connection{}, err
	}
	ids, err := s.checkWorkspaces(ctx, workspaceIDs)
	if err != nil {
		return domain.Connection{}, err
	}
	impact, err := s.WorkspaceImpact(ctx, id, ids)
	if err != nil {
		return domain.Connection{}, err
	}
	if err := s.store.SetConnectionWorkspaces(ctx, id, ids, s.now().UTC()); err != nil {
		return domain.Connection{}, fmt.Errorf("update workspaces of %s: %w", id, err)
	}
	for _, w := range impact {
		if w.Trigger.ConnectionID == id {
			w.Trigger.ConnectionID = ""
		}
		for i := range w.Actions {
			if w.Actions[i].ConnectionID == id {
				w.Actions[i].ConnectionID = ""
			}
		}
		w.Published, w.UpdatedAt = false, s.now().UTC()
		if err := s.store.SaveWorkflow(ctx, w); err != nil {
			return domain.Connection{}, fmt.Errorf("disconnect workflow %s: %w", w.Name, err)
		}
		s.log.Info("workflow disconnected from connection", "workflow", w.ID, "connection", id)
	}
	s.bus.Publish(events.ConnectionChanged, events.ConnectionRef{ID: id})
	return s.store.GetConnection(ctx, id)
}

// resolve loads a connection with its provider and mode from the catalogue.
func (s *Connections) resolve(ctx context.Context, id string) (domain.Connection, *providers.Provider, *providers.Mode, error) {
	c, err := s.store.GetConnection(ctx, id)
	if err != nil {
		return c, nil, nil, err
	}
	p, ok := s.catalogue.Provider(c.Provider)
	if !ok {
		return c, nil, nil, domain.Errorf(domain.EConflict, "This connection uses a provider (%s) this version of Patchbay does not know.", c.Provider)
	}
	m, ok := p.Mode(c.AuthMode)
	if !ok {
		return c, nil, nil, domain.Errorf(domain.EConflict, "This connection uses an auth mode (%s) this version of Patchbay does not know.", c.AuthMode)
	}
	return c, p, m, nil
}

// reauthPool changes one secret of a pool (add, replace or remove a PAT).
// A new secret must validate on its own first; then the whole pool is
// checked and stored. The last secret of a pool cannot be removed.
func (s *Connections) reauthPool(ctx context.Context, c domain.Connection, p *providers.Provider, m *providers.Mode, f providers.Field, values map[string]string, in domain.ReauthDraft) (domain.ReauthResult, error) {
	old, err := s.getSecrets(ctx, secretKeyOf(c))
	if err != nil {
		return domain.ReauthResult{}, err
	}
	pool := splitPool(old[f.Key])
	if in.Pool != "add" && (in.Index < 0 || in.Index >= len(pool)) {
		return domain.ReauthResult{}, domain.FieldError(f.Key, "That %s is no longer in this connection. Reload and try again.", f.Label)
	}
	var warnings []string
	switch in.Pool {
	case "remove":
		if len(pool) == 1 {
			return domain.ReauthResult{}, domain.FieldError(f.Key, "A connection needs at least one %s. Add another before removing this one.", f.Label)
		}
		pool = append(pool[:in.Index:in.Index], pool[in.Index+1:]...)
	case "add", "replace", "":
		clean, w, err := providers.Normalize(m, values)
		if err != nil {
			return domain.ReauthResult{}, err
		}
		if strings.Contains(clean[f.Key], "\n") {
			return domain.ReauthResult{}, domain.FieldError(f.Key, "Enter one %s at a time.", f.Label)
		}
		warnings = w
		res := s.validator.Validate(ctx, providers.Target{Provider: p, Mode: m, BaseURL: c.BaseURL, Values: clean})
		if !res.OK() {
			res.Message += " Your previous credentials were kept."
			return domain.ReauthResult{}, &domain.Error{Code: domain.EValidation, Message: res.Message, Check: &res}
		}
		for _, k := range []string{"email", "username"} {
			if _, ok := in.Config[k]; ok {
				c.Config[k] = clean[k]
			}
		}
		if in.Pool == "add" {
			pool = append(pool, clean[f.Key])
		} else {
			pool[in.Index] = clean[f.Key]
		}
	default:
		return domain.ReauthResult{}, domain.Errorf(domain.EInvalid, "Unknown pool action %q: use add, replace or remove.", in.Pool)
	}
	secretsOut := map[string]string{}
	for k, v := range old {
		secretsOut[k] = v
	}
	secretsOut[f.Key] = strings.Join(pool, "\n")
	if err := s.putSecrets(ctx, secretKeyOf(c), secretsOut); err != nil {
		return domain.ReauthResult{}, err
	}
	all := merged(c.Config, secretsOut)
	combined, creds, failed := s.validateAll(ctx, providers.Target{Provider: p, Mode: m, BaseURL: c.BaseURL, Values: all})
	c, err = s.store.ChangeCredential(ctx, c.ID, func(x *domain.Connection) error {
		for _, k := range []string{"email", "username"} {
			if v, ok := c.Config[k]; ok {
				x.Config[k] = v
			}
		}
		applyPool(x, combined, creds, failed)
		x.SecretHint = hint(m, map[string]string{f.Key: pool[0]})
		x.UpdatedAt = s.now().UTC()
		return nil
	})
	if err != nil {
		return domain.ReauthResult{}, fmt.Errorf("record re-authentication of %s: %w", c.ID, err)
	}
	s.recordCheck(ctx, c)
	s.log.Info("connection pool changed", "connection", c.ID, "action", in.Pool, "size", len(pool))
	s.bus.Publish(events.ConnectionChanged, events.ConnectionRef{ID: c.ID})
	return domain.ReauthResult{Connection: c, Warnings: nonNil(warnings)}, nil
}
