package runs_test

import (
	"context"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/runs"
)

// gateExec holds every step until the test lets it finish.
type gateExec struct {
	entered chan int      // the index of each step that started
	release chan struct{} // one receive lets one step finish
}

func (g *gateExec) Execute(ctx context.Context, s domain.Step) (string, domain.CheckResult, error) {
	g.entered <- s.Index
	select {
	case <-g.release:
	case <-ctx.Done():
		return "", domain.CheckResult{}, ctx.Err()
	}
	return "done", domain.CheckResult{Class: domain.ClassOK}, nil
}

func (g *gateExec) waitStep(t *testing.T, want int) {
	t.Helper()
	select {
	case got := <-g.entered:
		if got != want {
			t.Fatalf("step %d started, want step %d", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("step %d did not start within 10 s", want)
	}
}

func (g *gateExec) finishStep(t *testing.T) {
	t.Helper()
	select {
	case g.release <- struct{}{}:
	case <-time.After(10 * time.Second):
		t.Fatal("no step took the release within 10 s")
	}
}

// TestOperatorActionsDuringStepsAreNeverLost: 200 times an operator pauses,
// resumes or cancels a run while one of its steps is executing. Whatever the
// executor records when the step finishes comes on top of the operator's
// change: a Pause keeps the run paused at the next step (never rolled back),
// a Resume during the step lets the run go on to completion, and a Cancel
// keeps the run cancelled with its later steps skipped.
func TestOperatorActionsDuringStepsAreNeverLost(t *testing.T) {
	st, w := seedWorkflow(t)
	ctx := context.Background()
	g := &gateExec{entered: make(chan int, 4), release: make(chan struct{})}
	e := &runs.Engine{Store: st, Exec: g, InitialInterval: time.Millisecond, MaxElapsed: 200 * time.Millisecond}
	t.Cleanup(e.Stop)

	for i := 0; i < 200; i++ {
		r, err := e.Start(ctx, w, "")
		if err != nil {
			t.Fatal(err)
		}
		g.waitStep(t, 0)
		switch i % 3 {
		case 0: // pause during step 0, resume, cancel during step 1
			if _, err := e.Pause(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			g.finishStep(t)
			e.Wait()
			got, _ := st.GetRun(ctx, r.ID)
			if got.Status != domain.RunPaused || got.PauseReason != domain.PauseOperator || got.CurrentStep != 1 || got.Steps[0].Status != domain.StepCompleted {
				t.Fatalf("round %d: after a pause during step 0: %+v", i, got)
			}
			if _, err := e.Resume(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			g.waitStep(t, 1)
			if _, err := e.Cancel(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			g.finishStep(t)
			e.Wait()
			got, _ = st.GetRun(ctx, r.ID)
			if got.Status != domain.RunCancelled || got.Steps[0].Status != domain.StepCompleted ||
				got.Steps[1].Status != domain.StepCompleted || got.Steps[2].Status != domain.StepSkipped {
				t.Fatalf("round %d: after a cancel during step 1: %+v", i, got)
			}
		case 1: // cancel during step 0
			if _, err := e.Cancel(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			g.finishStep(t)
			e.Wait()
			got, _ := st.GetRun(ctx, r.ID)
			if got.Status != domain.RunCancelled || got.Steps[1].Status != domain.StepSkipped || got.Steps[2].Status != domain.StepSkipped {
				t.Fatalf("round %d: after a cancel during step 0: %+v", i, got)
			}
		case 2: // pause and resume during step 0: the run goes on
			if _, err := e.Pause(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Resume(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			g.finishStep(t)
			g.waitStep(t, 1)
			g.finishStep(t)
			g.waitStep(t, 2)
			g.finishStep(t)
			e.Wait()
			got, _ := st.GetRun(ctx, r.ID)
			if got.Status != domain.RunCompleted || got.CurrentStep != 3 {
				t.Fatalf("round %d: after pause and resume during step 0: %+v", i, got)
			}
		}
	}
}
