// Package runs executes workflow runs durably: every state change is saved
// before it takes effect, a step whose connection cannot authenticate parks
// the run as paused for reauthorization (never failed) and the run resumes
// at that step by itself once the connection is active again, transient
// provider failures retry with backoff, operators can pause, resume and
// cancel, terminal runs can be replayed, and runs interrupted by a quit are
// picked up again at start.
package runs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/store"
)

// RunChanged is the event topic carrying RunRef after a run changed.
const RunChanged = "run:changed"

// RunRef is the payload of RunChanged.
type RunRef struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// Executor performs one step against its connection and classifies the
// outcome; output is a short summary for the run page.
type Executor interface {
	Execute(ctx context.Context, step domain.Step) (output string, res domain.CheckResult, err error)
}

// Engine runs workflow runs.
type Engine struct {
	Store *store.Store
	Exec  Executor
	Bus   *events.Bus
	Log   *slog.Logger
	// MaxElapsed bounds the retries of a transient step failure (default 1 minute).
	MaxElapsed time.Duration
	// InitialInterval is the first retry delay (default 500 ms).
	InitialInterval time.Duration
	// Now is the clock of run and step times (the system clock if nil).
	Now domain.Clock

	mu     sync.Mutex
	active map[string]context.CancelFunc // runs executing in this process
	wg     sync.WaitGroup
}

func (e *Engine) now() time.Time { return domain.Now(e.Now).UTC() }

// StepsFor lists the steps of a workflow: the trigger (when it reads a
// connection) and each action.
func StepsFor(w domain.Workflow) []domain.Step {
	var steps []domain.Step
	nodes := append([]domain.Node{w.Trigger}, w.Actions...)
	for i, n := range nodes {
		if n.ConnectionID == "" {
			continue
		}
		name := fmt.Sprintf("Action %d: %s", i, n.Kind)
		if i == 0 {
			name = "Trigger: " + n.Kind
		}
		steps = append(steps, domain.Step{Index: len(steps), Name: name, Kind: n.Kind, ConnectionID: n.ConnectionID, Status: domain.StepPending})
	}
	return steps
}

// Start creates a run of the workflow and executes it in the background.
func (e *Engine) Start(ctx context.Context, w domain.Workflow, replayOf string) (domain.Run, error) {
	return e.start(ctx, w, replayOf, "")
}

// StartAfterTrigger creates a run whose trigger step already ran (the
// scheduler polled the connection and found new items; triggerOutput says
// what) and executes the actions in the background.
func (e *Engine) StartAfterTrigger(ctx context.Context, w domain.Workflow, triggerOutput string) (domain.Run, error) {
	return e.start(ctx, w, "", triggerOutput)
}

func (e *Engine) start(ctx context.Context, w domain.Workflow, replayOf, triggerOutput string) (domain.Run, error) {
	now := e.now()
	r := domain.Run{ID: newID(), WorkflowID: w.ID, Status: domain.RunQueued, ReplayOf: replayOf, Steps: StepsFor(w), CreatedAt: now, UpdatedAt: now}
	if triggerOutput != "" && len(r.Steps) > 0 && w.Trigger.ConnectionID != "" {
		first := &r.Steps[0]
		first.Status, first.Output, first.Attempts, first.StartedAt, first.FinishedAt = domain.StepCompleted, triggerOutput, 1, &now, &now
		r.CurrentStep = 1
	}
	if err := e.save(ctx, &r); err != nil {
		return r, err
	}
	e.launch(r.ID)
	return r, nil
}

// launch executes a run in the background unless it already runs here.
func (e *Engine) launch(id string) {
	e.mu.Lock()
	if e.active == nil {
		e.active = map[string]context.CancelFunc{}
	}
	if _, running := e.active[id]; running {
		e.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.active[id] = cancel
	e.wg.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.wg.Done()
		defer func() {
			e.mu.Lock()
			delete(e.active, id)
			e.mu.Unlock()
			cancel()
		}()
		if err := e.execute(ctx, id); err != nil && !errors.Is(err, context.Canceled) {
			e.log().Error("run failed to execute", "run", id, "err", err)
		}
	}()
}

// Wait blocks until every run executing in this process stopped (tests and
// shutdown).
func (e *Engine) Wait() { e.wg.Wait() }

// Stop interrupts every run executing in this process and waits for them:
// a step cut short stays recorded as running, and Recover at the next
// start runs it again.
func (e *Engine) Stop() {
	e.mu.Lock()
	for _, cancel := range e.active {
		cancel()
	}
	e.mu.Unlock()
	e.wg.Wait()
}

func (e *Engine) log() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.Default()
}

func (e *Engine) save(ctx context.Context, r *domain.Run) error {
	r.UpdatedAt = e.now()
	if err := e.Store.SaveRun(ctx, *r); err != nil {
		return err
	}
	if e.Bus != nil {
		e.Bus.Publish(RunChanged, RunRef{ID: r.ID, Status: r.Status})
	}
	return nil
}

// execute runs steps from the current one until the run ends or parks.
func (e *Engine) execute(ctx context.Context, id string) error {
	for {
		r, err := e.Store.GetRun(ctx, id)
		if err != nil {
			return err
		}
		switch r.Status {
		case domain.RunQueued:
			r.Status = domain.RunRunning
		case domain.RunRunning:
		default:
			return nil // paused, cancelled or finished meanwhile
		}
		if r.CurrentStep >= len(r.Steps) {
			r.Status = domain.RunCompleted
			return e.save(ctx, &r)
		}
		step := &r.Steps[r.CurrentStep]
		now := e.now()
		step.Status, step.StartedAt, step.Error = domain.StepRunning, &now, ""
		step.Attempts++
		if err := e.save(ctx, &r); err != nil {
			return err
		}
		out, res, err := e.attempt(ctx, step)
		if errors.Is(err, context.Canceled) {
			return err
		}
		// Reload: an operator may have cancelled or paused during the step.
		latest, gerr := e.Store.GetRun(ctx, id)
		if gerr != nil {
			return gerr
		}
		finished := e.now()
		step.FinishedAt = &finished
		switch {
		case err == nil && res.OK():
			step.Status, step.Output = domain.StepCompleted, out
			r.CurrentStep++
		case err == nil && res.Class.Permanent():
			// Park, never fail: the step resumes once the connection is fixed.
			step.Status, step.Error, step.FinishedAt = domain.StepWaiting, res.Message, nil
			r.Status, r.PauseReason, r.PausedConnectionID = domain.RunPaused, domain.PauseReauth, step.ConnectionID
		default:
			msg := res.Message
			if err != nil {
				msg = err.Error()
			}
			step.Status, step.Error = domain.StepFailed, msg
			r.Status, r.Error = domain.RunFailed, fmt.Sprintf("Step %q failed: %s", step.Name, msg)
		}
		if latest.Status == domain.RunCancelled {
			r.Status = domain.RunCancelled
		} else if latest.Status == domain.RunPaused && r.Status == domain.RunRunning {
			r.Status, r.PauseReason = domain.RunPaused, latest.PauseReason
		}
		if err := e.save(ctx, &r); err != nil {
			return err
		}
		if r.Status != domain.RunRunning {
			return nil
		}
	}
}

// attempt executes a step, retrying transient failures with backoff.
func (e *Engine) attempt(ctx context.Context, step *domain.Step) (string, domain.CheckResult, error) {
	exp := backoff.NewExponentialBackOff()
	if e.InitialInterval > 0 {
		exp.InitialInterval = e.InitialInterval
	}
	maxElapsed := e.MaxElapsed
	if maxElapsed == 0 {
		maxElapsed = time.Minute
	}
	type outcome struct {
		out string
		res domain.CheckResult
	}
	var last outcome
	tries := 0
	o, err := backoff.Retry(ctx, func() (outcome, error) {
		tries++
		out, res, err := e.Exec.Execute(ctx, *step)
		last = outcome{out, res}
		if err != nil {
			return last, backoff.Permanent(err)
		}
		if res.OK() || res.Class.Permanent() {
			return last, nil
		}
		if res.RetryAt != nil {
			return last, backoff.RetryAfter(int(res.RetryAt.Sub(e.now()).Seconds() + 0.5))
		}
		return last, errors.New(res.Message)
	}, backoff.WithBackOff(exp), backoff.WithMaxElapsedTime(maxElapsed))
	step.Attempts += tries - 1
	if err != nil && last.res.Class != "" && !last.res.OK() {
		return last.out, last.res, nil // transient to the end: the caller fails the step
	}
	return o.out, o.res, err
}

// Pause parks a running or queued run at the next step boundary.
func (e *Engine) Pause(ctx context.Context, id string) (domain.Run, error) {
	r, err := e.Store.GetRun(ctx, id)
	if err != nil {
		return r, err
	}
	if r.Status != domain.RunRunning && r.Status != domain.RunQueued {
		return r, domain.Errorf(domain.EConflict, "Only a queued or running run can be paused; this one is %s.", r.Status)
	}
	r.Status, r.PauseReason = domain.RunPaused, domain.PauseOperator
	return r, e.save(ctx, &r)
}

// Resume continues a paused run at the step where it stopped.
func (e *Engine) Resume(ctx context.Context, id string) (domain.Run, error) {
	r, err := e.Store.GetRun(ctx, id)
	if err != nil {
		return r, err
	}
	if r.Status != domain.RunPaused {
		return r, domain.Errorf(domain.EConflict, "Only a paused run can be resumed; this one is %s.", r.Status)
	}
	r.Status, r.PauseReason, r.PausedConnectionID = domain.RunRunning, "", ""
	if r.CurrentStep < len(r.Steps) && r.Steps[r.CurrentStep].Status == domain.StepWaiting {
		r.Steps[r.CurrentStep].Status = domain.StepPending
	}
	if err := e.save(ctx, &r); err != nil {
		return r, err
	}
	e.launch(r.ID)
	return r, nil
}

// Cancel ends a run in any non-terminal state.
func (e *Engine) Cancel(ctx context.Context, id string) (domain.Run, error) {
	r, err := e.Store.GetRun(ctx, id)
	if err != nil {
		return r, err
	}
	if r.Terminal() {
		return r, domain.Errorf(domain.EConflict, "This run already %s.", r.Status)
	}
	r.Status = domain.RunCancelled
	for i := range r.Steps {
		switch s := &r.Steps[i]; s.Status {
		case domain.StepPending, domain.StepWaiting:
			s.Status = domain.StepSkipped
		case domain.StepRunning:
			// Its executor records the outcome if it finishes; if Patchbay
			// stops first, the step must not stay "running" forever.
			s.Status, s.Error = domain.StepSkipped, "Cancelled while this step was running."
		}
	}
	return r, e.save(ctx, &r)
}

// Replay starts a new run of a terminal run's workflow, linked to it.
func (e *Engine) Replay(ctx context.Context, id string, w domain.Workflow) (domain.Run, error) {
	r, err := e.Store.GetRun(ctx, id)
	if err != nil {
		return r, err
	}
	if !r.Terminal() {
		return r, domain.Errorf(domain.EConflict, "Replay is offered only for completed, failed or cancelled runs; this one is %s.", r.Status)
	}
	return e.Start(ctx, w, r.ID)
}

// ConnectionActive resumes every run parked for reauthorization of the
// connection (seed 004: they resume by themselves).
func (e *Engine) ConnectionActive(ctx context.Context, connectionID string) (int, error) {
	parked, err := e.Store.RunsPausedOn(ctx, connectionID)
	if err != nil {
		return 0, err
	}
	for _, r := range parked {
		if _, err := e.Resume(ctx, r.ID); err != nil {
			return 0, err
		}
	}
	return len(parked), nil
}

// interrupted is the note left on a step that was running when Patchbay stopped.
const interrupted = "Interrupted when Patchbay stopped; retried."

// Recover puts every run interrupted by a quit or crash back into an honest
// state (nothing stays "running" forever): queued and running runs continue
// at the step that was interrupted (steps read or post idempotently; completed
// steps never run again); a step left running inside a paused run goes back
// to pending; runs parked for reauthorization whose connection became active
// while Patchbay was not running resume. It returns how many runs resumed.
func (e *Engine) Recover(ctx context.Context) (int, error) {
	// Read every unfinished run before launching any: a launched run moves
	// from queued to running and must not be counted twice.
	var unfinished []domain.Run
	for _, status := range []string{domain.RunQueued, domain.RunRunning, domain.RunPaused} {
		list, err := e.Store.ListRuns(ctx, status, "", 100000)
		if err != nil {
			return 0, fmt.Errorf("recover %s runs: %w", status, err)
		}
		unfinished = append(unfinished, list...)
	}
	n := 0
	for _, r := range unfinished {
		if r.CurrentStep < len(r.Steps) && r.Steps[r.CurrentStep].Status == domain.StepRunning {
			r.Steps[r.CurrentStep].Status = domain.StepPending
			r.Steps[r.CurrentStep].Error = interrupted
			if err := e.save(ctx, &r); err != nil {
				return n, fmt.Errorf("recover run %s: %w", r.ID, err)
			}
		}
		switch {
		case r.Status != domain.RunPaused:
			e.launch(r.ID)
			n++
		case r.PauseReason == domain.PauseReauth && e.connectionActive(ctx, r.PausedConnectionID):
			if _, err := e.Resume(ctx, r.ID); err != nil {
				return n, fmt.Errorf("recover run %s: %w", r.ID, err)
			}
			n++
		}
	}
	return n, nil
}

func (e *Engine) connectionActive(ctx context.Context, id string) bool {
	c, err := e.Store.GetConnection(ctx, id)
	return err == nil && c.Status == domain.StatusActive
}

// CheckPublish is the publish gate: every node's connection must be active.
func CheckPublish(w domain.Workflow, lookup func(id string) (domain.Connection, error)) error {
	inactive := func(id string) bool {
		if id == "" {
			return false
		}
		c, err := lookup(id)
		return err != nil || c.Status != domain.StatusActive
	}
	if inactive(w.Trigger.ConnectionID) {
		return domain.Errorf(domain.EConflict, "Trigger node has an inactive connection")
	}
	for _, a := range w.Actions {
		if inactive(a.ConnectionID) {
			return domain.Errorf(domain.EConflict, "Action node has an inactive connection")
		}
	}
	return nil
}
