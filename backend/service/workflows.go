package service

import (
	"context"
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

// Workflows is the workflows-and-runs part of the service: workflow
// definitions, the publish gate, starting runs and the operator's actions
// on them. Its methods are the Service's (embedded), so the bindings and the
// HTTP method list are unchanged.
type Workflows struct {
	store     workflowStore
	engine    *runs.Engine
	catalogue *providers.Catalogue
	now       domain.Clock
}

// workflowStore is what Workflows needs from the database.
type workflowStore interface {
	GetWorkspace(ctx context.Context, id string) (domain.Workspace, error)
	GetConnection(ctx context.Context, id string) (domain.Connection, error)
	GetWorkflow(ctx context.Context, id string) (domain.Workflow, error)
	SaveWorkflow(ctx context.Context, w domain.Workflow) error
	ListWorkflows(ctx context.Context) ([]domain.Workflow, error)
	GetRun(ctx context.Context, id string) (domain.Run, error)
	ListRuns(ctx context.Context, status, reason string, limit int) ([]domain.Run, error)
}

// WorkflowDraft is what the workflow form submits.
type WorkflowDraft struct {
	WorkspaceID string        `json:"workspaceId"`
	Name        string        `json:"name"`
	Trigger     domain.Node   `json:"trigger"`
	Actions     []domain.Node `json:"actions"`
}

// CreateWorkflow saves a new, unpublished workflow.
func (w *Workflows) CreateWorkflow(ctx context.Context, d WorkflowDraft) (domain.Workflow, error) {
	return w.saveWorkflow(ctx, "", d)
}

// UpdateWorkflow edits a workflow; an edited workflow is unpublished until
// published again (the gate checks its connections).
func (w *Workflows) UpdateWorkflow(ctx context.Context, id string, d WorkflowDraft) (domain.Workflow, error) {
	if _, err := w.store.GetWorkflow(ctx, id); err != nil {
		return domain.Workflow{}, err
	}
	return w.saveWorkflow(ctx, id, d)
}

func (w *Workflows) saveWorkflow(ctx context.Context, id string, d WorkflowDraft) (domain.Workflow, error) {
	name := strings.TrimSpace(d.Name)
	if name == "" {
		return domain.Workflow{}, domain.FieldError("name", "Enter a name for the workflow.")
	}
	if _, err := w.store.GetWorkspace(ctx, d.WorkspaceID); err != nil {
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
			c, err := w.store.GetConnection(ctx, n.ConnectionID)
			if err != nil {
				return domain.Workflow{}, domain.FieldError("actions", "A chosen connection no longer exists.")
			}
			p, _ := w.catalogue.Provider(c.Provider)
			switch {
			case (n.Kind == "fetch_inventory" || n.Kind == "new_items") && (p == nil || p.Inventory == nil):
				return domain.Workflow{}, domain.FieldError("actions", "%s has no inventory to fetch; choose another connection.", c.Label)
			case n.Kind == "post_summary" && (p == nil || p.Post == nil):
				return domain.Workflow{}, domain.FieldError("actions", "A summary can only be posted to a Slack connection; %s is not one.", c.Label)
			}
		}
	}
	now := w.now().UTC()
	wf := domain.Workflow{ID: id, WorkspaceID: d.WorkspaceID, Name: name, Trigger: d.Trigger, Actions: d.Actions, CreatedAt: now, UpdatedAt: now}
	if id == "" {
		wf.ID = newID("wf")
	} else if old, err := w.store.GetWorkflow(ctx, id); err == nil {
		wf.CreatedAt = old.CreatedAt
	}
	return wf, w.store.SaveWorkflow(ctx, wf)
}

// ListWorkflows returns every workflow.
func (w *Workflows) ListWorkflows(ctx context.Context) ([]domain.Workflow, error) {
	return w.store.ListWorkflows(ctx)
}

// PublishWorkflow enables a workflow; refused while any node's connection
// is inactive ("Trigger node has an inactive connection" / "Action node has
// an inactive connection"). Fixing a connection never republishes by itself.
func (w *Workflows) PublishWorkflow(ctx context.Context, id string, publish bool) (domain.Workflow, error) {
	wf, err := w.store.GetWorkflow(ctx, id)
	if err != nil {
		return wf, err
	}
	if publish {
		if err := runs.CheckPublish(wf, func(id string) (domain.Connection, error) { return w.store.GetConnection(ctx, id) }); err != nil {
			return wf, err
		}
	}
	wf.Published, wf.UpdatedAt = publish, w.now().UTC()
	return wf, w.store.SaveWorkflow(ctx, wf)
}

// RunWorkflow starts a run now.
func (w *Workflows) RunWorkflow(ctx context.Context, id string) (domain.Run, error) {
	wf, err := w.store.GetWorkflow(ctx, id)
	if err != nil {
		return domain.Run{}, err
	}
	return w.engine.Start(ctx, wf, "")
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
func (w *Workflows) ListRuns(ctx context.Context, chip string) ([]domain.Run, error) {
	f, ok := runChips[chip]
	if !ok {
		return nil, domain.Errorf(domain.EInvalid, "Unknown filter %q.", chip)
	}
	return w.store.ListRuns(ctx, f[0], f[1], 500)
}

// GetRun returns one run with its steps.
func (w *Workflows) GetRun(ctx context.Context, id string) (domain.Run, error) {
	return w.store.GetRun(ctx, id)
}

// PauseRun, ResumeRun and CancelRun act on a run as an operator.
func (w *Workflows) PauseRun(ctx context.Context, id string) (domain.Run, error) {
	return w.engine.Pause(ctx, id)
}

// ResumeRun resumes a paused run (the run page's Resume).
func (w *Workflows) ResumeRun(ctx context.Context, id string) (domain.Run, error) {
	return w.engine.Resume(ctx, id)
}

// CancelRun cancels a run in any non-terminal state.
func (w *Workflows) CancelRun(ctx context.Context, id string) (domain.Run, error) {
	return w.engine.Cancel(ctx, id)
}

// ReplayRun starts a new run linked to a terminal one.
func (w *Workflows) ReplayRun(ctx context.Context, id string) (domain.Run, error) {
	r, err := w.store.GetRun(ctx, id)
	if err != nil {
		return r, err
	}
	wf, err := w.store.GetWorkflow(ctx, r.WorkflowID)
	if err != nil {
		return r, err
	}
	return w.engine.Replay(ctx, id, wf)
}

// ResyncConnection ("Resync all tasks") replays the failed runs that used the
// connection; offered only when it is active or interrupted.
func (w *Workflows) ResyncConnection(ctx context.Context, id string) (int, error) {
	c, err := w.store.GetConnection(ctx, id)
	if err != nil {
		return 0, err
	}
	if c.Status != domain.StatusActive {
		return 0, domain.Errorf(domain.EConflict, "Resync all tasks is available only when the connection is active or interrupted. Reconnect it first.")
	}
	failed, err := w.store.ListRuns(ctx, domain.RunFailed, "", 1000)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range failed {
		for _, st := range r.Steps {
			if st.ConnectionID == id && st.Status == domain.StepFailed {
				if _, err := w.ReplayRun(ctx, r.ID); err != nil {
					return n, err
				}
				n++
				break
			}
		}
	}
	return n, nil
}
