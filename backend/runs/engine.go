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

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/retry"
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

// Store is what the engine needs from the database (store.Store is one):
// runs, saved whole when created and changed only by compare-and-set
// transitions, and the state of the connections they use.
type Store interface {
	SaveRun(ctx context.Context, r domain.Run) error
	GetRun(ctx context.Context, id string) (domain.Run, error)
	UpdateRun(ctx context.Context, id string, change func(*domain.Run) error) (domain.Run, error)
	ListRuns(ctx context.Context, status, reason string, limit int) ([]domain.Run, error)
	RunsPausedOn(ctx context.Context, connectionID string) ([]domain.Run, error)
	GetConnection(ctx context.Context, id string) (domain.Connection, error)
}

// Engine runs workflow runs.
type Engine struct {
	Store Store
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
	active map[string]*execution // runs executing in this process
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

// launch executes a run in the background. A run already executing here is
// asked to look again once its executor finishes (a Resume that lands while
// the executor is on its way out is never lost).
func (e *Engine) launch(id string) {
	e.mu.Lock()
	if e.active == nil {
		e.active = map[string]*execution{}
	}
	if x, running := e.active[id]; running {
		x.again = true
		e.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	x := &execution{cancel: cancel}
	e.active[id] = x
	e.wg.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.wg.Done()
		defer cancel()
		for {
			if err := e.execute(ctx, id); err != nil && !errors.Is(err, context.Canceled) {
				e.log().Error("run failed to execute", "run", id, "err", err)
			}
			e.mu.Lock()
			if x.again && ctx.Err() == nil {
				x.again = false
				e.mu.Unlock()
				continue
			}
			delete(e.active, id)
			e.mu.Unlock()
			return
		}
	}()
}

// execution is a run executing in this process.
type execution struct {
	cancel context.CancelFunc
	again  bool // launched again while executing: look once more
}

// Wait blocks until every run executing in this process stopped (tests and
// shutdown).
func (e *Engine) Wait() { e.wg.Wait() }

// Stop interrupts every run executing in this process and waits for them:
// a step cut short stays recorded as running, and Recover at the next
// start runs it again.
func (e *Engine) Stop() {
	e.mu.Lock()
	for _, x := range e.active {
		x.cancel()
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

// save stores a new run.
func (e *Engine) save(ctx context.Context, r *domain.Run) error {
	r.UpdatedAt = e.now()
	if err := e.Store.SaveRun(ctx, *r); err != nil {
		return err
	}
	e.publish(*r)
	return nil
}

func (e *Engine) publish(r domain.Run) {
	if e.Bus != nil {
		e.Bus.Publish(RunChanged, RunRef{ID: r.ID, Status: r.Status})
	}
}

// update is a compare-and-set transition of a stored run (store.UpdateRun):
// change sees the run as stored now. The change is published when made.
func (e *Engine) update(ctx context.Context, id string, change func(*domain.Run) error) (domain.Run, error) {
	r, err := e.Store.UpdateRun(ctx, id, func(r *domain.Run) error {
		if err := change(r); err != nil {
			return err
		}
		r.UpdatedAt = e.now()
		return nil
	})
	if err == nil {
		e.publish(r)
	}
	return r, err
}

// errStop ends an execution: the run is no longer queued or running here.
var errStop = errors.New("run is not running")

// execute runs steps from the current one until the run ends or parks.
// Every change is a transition of the run as stored (update): an operator's
// Pause or Cancel made while a step runs is kept, and the step's outcome is
// recorded on top of it.
func (e *Engine) execute(ctx context.Context, id string) error {
	for {
		var step domain.Step
		r, err := e.update(ctx, id, func(r *domain.Run) error {
			switch r.Status {
			case domain.RunQueued:
				r.Status = domain.RunRunning
			case domain.RunRunning:
			default:
				return errStop // paused, cancelled or finished meanwhile
			}
			if r.CurrentStep >= len(r.Steps) {
				r.Status = domain.RunCompleted
				return nil
			}
			st := &r.Steps[r.CurrentStep]
			now := e.now()
			st.Status, st.StartedAt, st.Error = domain.StepRunning, &now, ""
			st.Attempts++
			step = *st
			return nil
		})
		if errors.Is(err, errStop) {
			return nil
		} else if err != nil {
			return err
		}
		if r.Status == domain.RunCompleted {
			return nil
		}
		index := r.CurrentStep
		before, _ := e.Store.GetConnection(ctx, step.ConnectionID)
		out, res, err := e.attempt(ctx, &step)
		if errors.Is(err, context.Canceled) {
			return err
		}
		r, err = e.update(ctx, id, func(r *domain.Run) error {
			if index >= len(r.Steps) {
				return errStop
			}
			st := &r.Steps[index]
			finished := e.now()
			st.Attempts = step.Attempts
			if r.Status == domain.RunCancelled {
				// Cancelled while the step ran: the run stays cancelled and
				// its skipped steps stay skipped; only work that was done
				// is recorded.
				if err == nil && res.OK() {
					st.Status, st.Output, st.Error, st.FinishedAt = domain.StepCompleted, out, "", &finished
				}
				return nil
			}
			if st.Status != domain.StepRunning || r.CurrentStep != index {
				return errStop // recovered or moved on elsewhere: leave it
			}
			st.FinishedAt = &finished
			switch {
			case err == nil && res.OK():
				st.Status, st.Output = domain.StepCompleted, out
				r.CurrentStep = index + 1
			case err == nil && res.Class.Permanent():
				// Park, never fail: the step resumes once the connection is fixed.
				st.Status, st.Error, st.FinishedAt = domain.StepWaiting, res.Message, nil
				r.Status, r.PauseReason, r.PausedConnectionID = domain.RunPaused, domain.PauseReauth, st.ConnectionID
			default:
				msg := res.Message
				if err != nil {
					// Shown on the run's page: internal detail stays in the log.
					msg = domain.Public(err).Message
					e.log().Warn("run step failed", "run", r.ID, "step", st.Name, "err", err)
				}
				st.Status, st.Error = domain.StepFailed, msg
				r.Status, r.Error = domain.RunFailed, fmt.Sprintf("Step %q failed: %s", st.Name, msg)
			}
			return nil
		})
		if errors.Is(err, errStop) {
			return nil
		} else if err != nil {
			return err
		}
		if r.Status == domain.RunPaused && r.PauseReason == domain.PauseReauth && e.newCredential(ctx, before) {
			// The connection got a new credential and is active again while
			// the step failed: its recovery may have looked for parked runs
			// before this one parked.
			if _, err := e.resume(ctx, id, domain.PauseReauth); err != nil && domain.ErrorCode(err) != domain.EConflict {
				return err
			}
		}
		if r.Status != domain.RunRunning {
			return nil
		}
	}
}

// attempt executes a step, retrying transient failures with backoff.
func (e *Engine) attempt(ctx context.Context, step *domain.Step) (string, domain.CheckResult, error) {
	maxElapsed := e.MaxElapsed
	if maxElapsed == 0 {
		maxElapsed = time.Minute
	}
	type outcome struct {
		out string
		res domain.CheckResult
	}
	var last, o outcome
	tries := 0
	err := retry.Do(ctx, retry.Policy{Initial: e.InitialInterval, MaxElapsed: maxElapsed}, func() error {
		tries++
		out, res, err := e.Exec.Execute(ctx, *step)
		last = outcome{out, res}
		o = last
		if err != nil {
			return retry.Permanent(err)
		}
		if res.OK() || res.Class.Permanent() {
			return nil
		}
		if res.RetryAt != nil {
			return retry.After(time.Duration(int(res.RetryAt.Sub(e.now()).Seconds()+0.5))*time.Second, errors.New(res.Message))
		}
		return errors.New(res.Message)
	})
	step.Attempts += tries - 1
	if err != nil && last.res.Class != "" && !last.res.OK() {
		return last.out, last.res, nil // transient to the end: the caller fails the step
	}
	return o.out, o.res, err
}

// Pause parks a running or queued run at the next step boundary.
func (e *Engine) Pause(ctx context.Context, id string) (domain.Run, error) {
	return e.update(ctx, id, func(r *domain.Run) error {
		if r.Status != domain.RunRunning && r.Status != domain.RunQueued {
			return domain.Errorf(domain.EConflict, "Only a queued or running run can be paused; this one is %s.", r.Status)
		}
		r.Status, r.PauseReason = domain.RunPaused, domain.PauseOperator
		return nil
	})
}

// Resume continues a paused run at the step where it stopped.
func (e *Engine) Resume(ctx context.Context, id string) (domain.Run, error) {
	return e.resume(ctx, id, "")
}

// resume resumes a paused run (only one paused for reason, when given).
func (e *Engine) resume(ctx context.Context, id, reason string) (domain.Run, error) {
	r, err := e.update(ctx, id, func(r *domain.Run) error {
		if r.Status != domain.RunPaused || (reason != "" && r.PauseReason != reason) {
			return domain.Errorf(domain.EConflict, "Only a paused run can be resumed; this one is %s.", r.Status)
		}
		r.Status, r.PauseReason, r.PausedConnectionID = domain.RunRunning, "", ""
		if r.CurrentStep < len(r.Steps) && r.Steps[r.CurrentStep].Status == domain.StepWaiting {
			r.Steps[r.CurrentStep].Status = domain.StepPending
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	e.launch(r.ID)
	return r, nil
}

// Cancel ends a run in any non-terminal state.
func (e *Engine) Cancel(ctx context.Context, id string) (domain.Run, error) {
	return e.update(ctx, id, func(r *domain.Run) error {
		if r.Terminal() {
			return domain.Errorf(domain.EConflict, "This run already %s.", r.Status)
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
		return nil
	})
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
// connection (seed 004: they resume by themselves). The service calls it
// directly whenever it records the connection as active; a run another
// caller resumed meanwhile is skipped, not an error.
func (e *Engine) ConnectionActive(ctx context.Context, connectionID string) (int, error) {
	parked, err := e.Store.RunsPausedOn(ctx, connectionID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range parked {
		if _, err := e.resume(ctx, r.ID, domain.PauseReauth); domain.ErrorCode(err) == domain.EConflict {
			continue
		} else if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
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
			_, err := e.update(ctx, r.ID, func(r *domain.Run) error {
				if r.CurrentStep < len(r.Steps) && r.Steps[r.CurrentStep].Status == domain.StepRunning {
					r.Steps[r.CurrentStep].Status = domain.StepPending
					r.Steps[r.CurrentStep].Error = interrupted
				}
				return nil
			})
			if err != nil {
				return n, fmt.Errorf("recover run %s: %w", r.ID, err)
			}
		}
		switch {
		case r.Status != domain.RunPaused:
			e.launch(r.ID)
			n++
		case r.PauseReason == domain.PauseReauth && e.connectionActive(ctx, r.PausedConnectionID):
			if _, err := e.resume(ctx, r.ID, domain.PauseReauth); err != nil && domain.ErrorCode(err) != domain.EConflict {
				return n, fmt.Errorf("recover run %s: %w", r.ID, err)
			}
			n++
		}
	}
	return n, nil
}

// newCredential reports whether the connection is active with another
// credential than it had (before) when the step started.
func (e *Engine) newCredential(ctx context.Context, before domain.Connection) bool {
	c, err := e.Store.GetConnection(ctx, before.ID)
	return err == nil && c.Status == domain.StatusActive && c.SecretVersion != before.SecretVersion
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
