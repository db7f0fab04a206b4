package service

import (
	"context"
	"fmt"
	"strings"

	"patchbay/backend/domain"
	"patchbay/backend/providers"
	"patchbay/backend/runs"
)

// stepKinds are the node kinds a workflow may use; each step calls the
// provider with its connection's credential (see Execute).
var stepKinds = map[string]string{
	"schedule":        "trigger",
	"new_items":       "trigger",
	"check":           "action",
	"fetch_inventory": "action",
	"post_summary":    "action",
}

// WorkflowDraft is what the workflow form submits.
type WorkflowDraft struct {
	WorkspaceID string        `json:"workspaceId"`
	Name        string        `json:"name"`
	Trigger     domain.Node   `json:"trigger"`
	Actions     []domain.Node `json:"actions"`
}

// CreateWorkflow saves a new, unpublished workflow.
func (s *Service) CreateWorkflow(ctx context.Context, d WorkflowDraft) (domain.Workflow, error) {
	return s.saveWorkflow(ctx, "", d)
}

// UpdateWorkflow edits a workflow; an edited workflow is unpublished until
// published again (the gate checks its connections).
func (s *Service) UpdateWorkflow(ctx context.Context, id string, d WorkflowDraft) (domain.Workflow, error) {
	if _, err := s.store.GetWorkflow(ctx, id); err != nil {
		return domain.Workflow{}, err
	}
	return s.saveWorkflow(ctx, id, d)
}

func (s *Service) saveWorkflow(ctx context.Context, id string, d WorkflowDraft) (domain.Workflow, error) {
	name := strings.TrimSpace(d.Name)
	if name == "" {
		return domain.Workflow{}, domain.FieldError("name", "Enter a name for the workflow.")
	}
	if _, err := s.store.GetWorkspace(ctx, d.WorkspaceID); err != nil {
		return domain.Workflow{}, domain.FieldError("workspaceId", "Choose the workspace the workflow belongs to.")
	}
	if stepKinds[d.Trigger.Kind] != "trigger" {
		return domain.Workflow{}, domain.FieldError("trigger", "Choose a trigger: schedule or new items on a connection.")
	}
	if _, ok := d.Trigger.Every(); !ok {
		return domain.Workflow{}, domain.FieldError("trigger", "Enter how often the trigger fires as a whole number of minutes from 1 to %d.", domain.MaxTriggerMinutes)
	}
	if len(d.Actions) == 0 {
		return domain.Workflow{}, domain.FieldError("actions", "Add at least one action.")
	}
	for i, n := range append([]domain.Node{d.Trigger}, d.Actions...) {
		if i > 0 && stepKinds[n.Kind] != "action" {
			return domain.Workflow{}, domain.FieldError("actions", "Action %d has an unknown kind %q.", i, n.Kind)
		}
		if n.ConnectionID == "" && n.Kind != "schedule" {
			return domain.Workflow{}, domain.FieldError("actions", "Choose a connection for every node except a schedule trigger.")
		}
		if n.ConnectionID != "" {
			c, err := s.store.GetConnection(ctx, n.ConnectionID)
			if err != nil {
				return domain.Workflow{}, domain.FieldError("actions", "A chosen connection no longer exists.")
			}
			p, _ := s.catalogue.Provider(c.Provider)
			switch {
			case (n.Kind == "fetch_inventory" || n.Kind == "new_items") && (p == nil || p.Inventory == nil):
				return domain.Workflow{}, domain.FieldError("actions", "%s has no inventory to fetch; choose another connection.", c.Label)
			case n.Kind == "post_summary" && (p == nil || p.Post == nil):
				return domain.Workflow{}, domain.FieldError("actions", "A summary can only be posted to a Slack connection; %s is not one.", c.Label)
			}
		}
	}
	now := s.now().UTC()
	w := domain.Workflow{ID: id, WorkspaceID: d.WorkspaceID, Name: name, Trigger: d.Trigger, Actions: d.Actions, CreatedAt: now, UpdatedAt: now}
	if id == "" {
		w.ID = newID("wf")
	} else if old, err := s.store.GetWorkflow(ctx, id); err == nil {
		w.CreatedAt = old.CreatedAt
	}
	return w, s.store.SaveWorkflow(ctx, w)
}

// ListWorkflows returns every workflow.
func (s *Service) ListWorkflows(ctx context.Context) ([]domain.Workflow, error) {
	return s.store.ListWorkflows(ctx)
}

// PublishWorkflow enables a workflow; refused while any node's connection
// is inactive ("Trigger node has an inactive connection" / "Action node has
// an inactive connection"). Fixing a connection never republishes by itself.
func (s *Service) PublishWorkflow(ctx context.Context, id string, publish bool) (domain.Workflow, error) {
	w, err := s.store.GetWorkflow(ctx, id)
	if err != nil {
		return w, err
	}
	if publish {
		if err := runs.CheckPublish(w, func(id string) (domain.Connection, error) { return s.store.GetConnection(ctx, id) }); err != nil {
			return w, err
		}
	}
	w.Published, w.UpdatedAt = publish, s.now().UTC()
	return w, s.store.SaveWorkflow(ctx, w)
}

// RunWorkflow starts a run now.
func (s *Service) RunWorkflow(ctx context.Context, id string) (domain.Run, error) {
	w, err := s.store.GetWorkflow(ctx, id)
	if err != nil {
		return domain.Run{}, err
	}
	return s.engine.Start(ctx, w, "")
}

// Run list preset chips.
var runChips = map[string][2]string{
	"all":               {"", ""},
	"running":           {domain.RunRunning, ""},
	"paused_for_reauth": {domain.RunPaused, domain.PauseReauth},
	"paused":            {domain.RunPaused, ""},
	"failed":            {domain.RunFailed, ""},
	"completed":         {domain.RunCompleted, ""},
}

// ListRuns returns runs for a preset chip: all, running, paused_for_reauth,
// paused, failed or completed.
func (s *Service) ListRuns(ctx context.Context, chip string) ([]domain.Run, error) {
	f, ok := runChips[chip]
	if !ok {
		return nil, domain.Errorf(domain.EInvalid, "Unknown filter %q.", chip)
	}
	return s.store.ListRuns(ctx, f[0], f[1], 500)
}

// GetRun returns one run with its steps.
func (s *Service) GetRun(ctx context.Context, id string) (domain.Run, error) {
	return s.store.GetRun(ctx, id)
}

// PauseRun, ResumeRun and CancelRun act on a run as an operator.
func (s *Service) PauseRun(ctx context.Context, id string) (domain.Run, error) {
	return s.engine.Pause(ctx, id)
}

// ResumeRun resumes a paused run (the run page's Resume).
func (s *Service) ResumeRun(ctx context.Context, id string) (domain.Run, error) {
	return s.engine.Resume(ctx, id)
}

// CancelRun cancels a run in any non-terminal state.
func (s *Service) CancelRun(ctx context.Context, id string) (domain.Run, error) {
	return s.engine.Cancel(ctx, id)
}

// ReplayRun starts a new run linked to a terminal one.
func (s *Service) ReplayRun(ctx context.Context, id string) (domain.Run, error) {
	r, err := s.store.GetRun(ctx, id)
	if err != nil {
		return r, err
	}
	w, err := s.store.GetWorkflow(ctx, r.WorkflowID)
	if err != nil {
		return r, err
	}
	return s.engine.Replay(ctx, id, w)
}

// ResyncConnection ("Resync all tasks") replays the failed runs that used the
// connection; offered only when it is active or interrupted.
func (s *Service) ResyncConnection(ctx context.Context, id string) (int, error) {
	c, err := s.store.GetConnection(ctx, id)
	if err != nil {
		return 0, err
	}
	if c.Status != domain.StatusActive {
		return 0, domain.Errorf(domain.EConflict, "Resync all tasks is available only when the connection is active or interrupted. Reconnect it first.")
	}
	failed, err := s.store.ListRuns(ctx, domain.RunFailed, "", 1000)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range failed {
		for _, st := range r.Steps {
			if st.ConnectionID == id && st.Status == domain.StepFailed {
				if _, err := s.ReplayRun(ctx, r.ID); err != nil {
					return n, err
				}
				n++
				break
			}
		}
	}
	return n, nil
}

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
			return "", domain.CheckResult{}, fmt.Errorf("%s cannot receive a summary; use a Slack connection", p.Name)
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
		return fetched{}, domain.CheckResult{}, fmt.Errorf("%s has no inventory to fetch", p.Name)
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
