package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"patchbay/backend/domain"
)

// SaveWorkflow inserts or replaces a workflow.
func (s *Store) SaveWorkflow(ctx context.Context, w domain.Workflow) error {
	trigger, _ := json.Marshal(w.Trigger)
	actions, _ := json.Marshal(w.Actions)
	_, err := s.writer.ExecContext(ctx, `INSERT INTO workflows (id, workspace_id, name, published, trigger_json, actions_json, created_at, updated_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO UPDATE SET workspace_id = ?2, name = ?3, published = ?4, trigger_json = ?5,
		actions_json = ?6, updated_at = ?8`, w.ID, w.WorkspaceID, w.Name, w.Published, string(trigger), string(actions), fmtTime(w.CreatedAt), fmtTime(w.UpdatedAt))
	return s.wrapNil("save workflow "+w.ID, err)
}

const workflowColumns = `id, workspace_id, name, published, trigger_json, actions_json, created_at, updated_at, last_triggered_at`

func scanWorkflow(r scanner) (domain.Workflow, error) {
	var w domain.Workflow
	var trigger, actions, created, updated string
	var triggered sql.NullString
	if err := r.Scan(&w.ID, &w.WorkspaceID, &w.Name, &w.Published, &trigger, &actions, &created, &updated, &triggered); err != nil {
		return w, err
	}
	if err := json.Unmarshal([]byte(trigger), &w.Trigger); err != nil {
		return w, fmt.Errorf("decode trigger of %s: %w", w.ID, err)
	}
	if err := json.Unmarshal([]byte(actions), &w.Actions); err != nil {
		return w, fmt.Errorf("decode actions of %s: %w", w.ID, err)
	}
	w.CreatedAt, w.UpdatedAt = parseTime(created), parseTime(updated)
	w.LastTriggeredAt = parseTimePtr(triggered)
	return w, nil
}

// MarkTriggered records that a workflow's trigger fired at at.
func (s *Store) MarkTriggered(ctx context.Context, id string, at time.Time) error {
	_, err := s.writer.ExecContext(ctx, `UPDATE workflows SET last_triggered_at = ? WHERE id = ?`, fmtTime(at), id)
	return s.wrapNil("mark workflow "+id+" triggered", err)
}

// HasOpenRun reports whether a workflow has a run that has not ended
// (queued, running or paused).
func (s *Store) HasOpenRun(ctx context.Context, workflowID string) (bool, error) {
	var one int
	err := s.reader.QueryRowContext(ctx, `SELECT 1 FROM runs WHERE workflow_id = ? AND status IN ('queued', 'running', 'paused') LIMIT 1`, workflowID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, s.wrapNil("open runs of "+workflowID, err)
}

// GetWorkflow returns one workflow.
func (s *Store) GetWorkflow(ctx context.Context, id string) (domain.Workflow, error) {
	w, err := scanWorkflow(s.reader.QueryRowContext(ctx, `SELECT `+workflowColumns+` FROM workflows WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, domain.Errorf(domain.ENotFound, "Workflow %s not found.", id)
	}
	return w, s.wrapNil("get workflow "+id, err)
}

// ListWorkflows returns every workflow by name.
func (s *Store) ListWorkflows(ctx context.Context) ([]domain.Workflow, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+workflowColumns+` FROM workflows ORDER BY name, id`)
	if err != nil {
		return nil, s.wrap("list workflows", err)
	}
	defer rows.Close()
	out := []domain.Workflow{}
	for rows.Next() {
		w, err := scanWorkflow(rows)
		if err != nil {
			return nil, s.wrap("list workflows", err)
		}
		out = append(out, w)
	}
	return out, s.wrapNil("list workflows", rows.Err())
}

const runColumns = `id, workflow_id, status, pause_reason, paused_connection_id, replay_of, current_step, error, steps_json, created_at, updated_at`

// SaveRun inserts or replaces a run with its steps.
func (s *Store) SaveRun(ctx context.Context, r domain.Run) error {
	steps, _ := json.Marshal(r.Steps)
	_, err := s.writer.ExecContext(ctx, `INSERT INTO runs (`+runColumns+`) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)
		ON CONFLICT (id) DO UPDATE SET status = ?3, pause_reason = ?4, paused_connection_id = ?5, current_step = ?7,
		error = ?8, steps_json = ?9, updated_at = ?11`,
		r.ID, r.WorkflowID, r.Status, r.PauseReason, r.PausedConnectionID, r.ReplayOf, r.CurrentStep, r.Error, string(steps), fmtTime(r.CreatedAt), fmtTime(r.UpdatedAt))
	return s.wrapNil("save run "+r.ID, err)
}

// UpdateRun changes a run as a compare-and-set transition: in one write
// transaction it reads the run as stored now, lets change decide from that
// state (an error from change aborts and is returned as is) and writes the
// result. The engine's executor and the operator's Pause, Resume and Cancel
// all go through it, so none of them overwrites the others' changes with a
// copy read earlier.
func (s *Store) UpdateRun(ctx context.Context, id string, change func(*domain.Run) error) (domain.Run, error) {
	var out domain.Run
	err := s.tx(ctx, func(tx *sql.Tx) error {
		r, err := scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Errorf(domain.ENotFound, "Run %s not found.", id)
		} else if err != nil {
			return err
		}
		if err := change(&r); err != nil {
			return err
		}
		steps, err := json.Marshal(r.Steps)
		if err != nil {
			return fmt.Errorf("encode steps of %s: %w", id, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET status = ?, pause_reason = ?, paused_connection_id = ?, current_step = ?,
			error = ?, steps_json = ?, updated_at = ? WHERE id = ?`,
			r.Status, r.PauseReason, r.PausedConnectionID, r.CurrentStep, r.Error, string(steps), fmtTime(r.UpdatedAt), id)
		out = r
		return err
	})
	return out, s.wrapNil("update run "+id, err)
}

func scanRun(r scanner) (domain.Run, error) {
	var run domain.Run
	var steps, created, updated string
	if err := r.Scan(&run.ID, &run.WorkflowID, &run.Status, &run.PauseReason, &run.PausedConnectionID, &run.ReplayOf, &run.CurrentStep,
		&run.Error, &steps, &created, &updated); err != nil {
		return run, err
	}
	if err := json.Unmarshal([]byte(steps), &run.Steps); err != nil {
		return run, fmt.Errorf("decode steps of %s: %w", run.ID, err)
	}
	run.CreatedAt, run.UpdatedAt = parseTime(created), parseTime(updated)
	return run, nil
}

// GetRun returns one run.
func (s *Store) GetRun(ctx context.Context, id string) (domain.Run, error) {
	r, err := scanRun(s.reader.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, domain.Errorf(domain.ENotFound, "Run %s not found.", id)
	}
	return r, s.wrapNil("get run "+id, err)
}

// ListRuns returns runs newest first, filtered by status (and pause reason)
// when given.
func (s *Store) ListRuns(ctx context.Context, status, reason string, limit int) ([]domain.Run, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR pause_reason = ?2)
		ORDER BY created_at DESC, id LIMIT ?3`, status, reason, limit)
	if err != nil {
		return nil, s.wrap("list runs", err)
	}
	defer rows.Close()
	out := []domain.Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, s.wrap("list runs", err)
		}
		out = append(out, r)
	}
	return out, s.wrapNil("list runs", rows.Err())
}

// RunsPausedOn returns the runs parked for reauthorization of a connection.
func (s *Store) RunsPausedOn(ctx context.Context, connectionID string) ([]domain.Run, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE status = 'paused' AND pause_reason = 'reauth'
		AND paused_connection_id = ? ORDER BY created_at`, connectionID)
	if err != nil {
		return nil, s.wrap("paused runs", err)
	}
	defer rows.Close()
	out := []domain.Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, s.wrap("paused runs", err)
		}
		out = append(out, r)
	}
	return out, s.wrapNil("paused runs", rows.Err())
}
