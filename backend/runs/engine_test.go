package runs_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/runs"
	"patchbay/backend/store"
)

// fakeExec answers per connection: "ok", "broken" (permanent), "down"
// (transient) or "downN" handled by a countdown.
type fakeExec struct {
	mu        sync.Mutex
	state     map[string]string
	transient map[string]int // connection -> transient failures left
	calls     map[string]int // step index -> executions
	block     chan struct{}  // when set, steps wait for it
}

func (f *fakeExec) set(conn, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state[conn] = state
}

func (f *fakeExec) Execute(ctx context.Context, s domain.Step) (string, domain.CheckResult, error) {
	f.mu.Lock()
	f.calls[s.Name]++
	state := f.state[s.ConnectionID]
	left := f.transient[s.ConnectionID]
	if left > 0 {
		f.transient[s.ConnectionID] = left - 1
	}
	block := f.block
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return "", domain.CheckResult{}, ctx.Err()
		}
	}
	switch {
	case left > 0 || state == "down":
		return "", domain.CheckResult{Class: domain.ClassProviderDown, Message: "HTTP 503"}, nil
	case state == "broken":
		return "", domain.CheckResult{Class: domain.ClassRevoked, Message: "token revoked"}, nil
	}
	return "fetched 3 items", domain.CheckResult{Class: domain.ClassOK}, nil
}

func setup(t testing.TB) (*runs.Engine, *fakeExec, *store.Store, domain.Workflow) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	_ = st.CreateWorkspace(ctx, domain.Workspace{ID: "ws", Slug: "ws", Name: "WS"})
	for _, id := range []string{"jira", "github", "slack"} {
		_ = st.CreateConnection(ctx, domain.Connection{ID: id, Provider: id, AuthMode: "m", Label: id, Status: domain.StatusActive})
	}
	w := domain.Workflow{ID: "wf", WorkspaceID: "ws", Name: "Sync", Trigger: domain.Node{Kind: "new_items", ConnectionID: "jira"},
		Actions: []domain.Node{{Kind: "fetch_inventory", ConnectionID: "github"}, {Kind: "post_summary", ConnectionID: "slack"}}}
	if err := st.SaveWorkflow(ctx, w); err != nil {
		t.Fatal(err)
	}
	f := &fakeExec{state: map[string]string{}, transient: map[string]int{}, calls: map[string]int{}}
	e := &runs.Engine{Store: st, Exec: f, InitialInterval: time.Millisecond, MaxElapsed: 200 * time.Millisecond}
	t.Cleanup(e.Wait)
	return e, f, st, w
}

func waitStatus(t testing.TB, st *store.Store, id string, want string) domain.Run {
	t.Helper()
	var r domain.Run
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		r, _ = st.GetRun(context.Background(), id)
		if r.Status == want {
			return r
		}
	}
	t.Fatalf("run %s is %s, want %s: %+v", id, r.Status, want, r)
	return r
}

func TestBrokenConnectionParksAndResumesExactlyOnce(t *testing.T) {
	e, f, st, w := setup(t)
	ctx := context.Background()
	f.set("github", "broken")
	r, err := e.Start(ctx, w, "")
	if err != nil {
		t.Fatal(err)
	}
	r = waitStatus(t, st, r.ID, domain.RunPaused)
	if r.PauseReason != domain.PauseReauth || r.PausedConnectionID != "github" || r.CurrentStep != 1 || r.Steps[1].Status != domain.StepWaiting || r.Steps[0].Status != domain.StepCompleted {
		t.Fatalf("parked run %+v", r)
	}
	e.Wait()
	f.set("github", "ok")
	if n, err := e.ConnectionActive(ctx, "github"); err != nil || n != 1 {
		t.Fatalf("resumed %d, %v", n, err)
	}
	r = waitStatus(t, st, r.ID, domain.RunCompleted)
	e.Wait()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls[r.Steps[0].Name] != 1 || f.calls[r.Steps[2].Name] != 1 {
		t.Fatalf("a completed step ran again: %v", f.calls)
	}
	if r.Steps[1].Status != domain.StepCompleted || r.Steps[1].Attempts != 2 {
		t.Fatalf("resumed step %+v", r.Steps[1])
	}
}

func TestTransientRetriesThenFails(t *testing.T) {
	e, f, st, w := setup(t)
	ctx := context.Background()
	f.mu.Lock()
	f.transient["github"] = 2
	f.mu.Unlock()
	r, _ := e.Start(ctx, w, "")
	r = waitStatus(t, st, r.ID, domain.RunCompleted)
	if r.Steps[1].Attempts != 3 {
		t.Fatalf("attempts %d, want 3 (two transient failures retried)", r.Steps[1].Attempts)
	}
	f.set("slack", "down")
	r, _ = e.Start(ctx, w, "")
	r = waitStatus(t, st, r.ID, domain.RunFailed)
	if !strings.Contains(r.Error, "HTTP 503") || r.Steps[2].Status != domain.StepFailed {
		t.Fatalf("failed run %+v", r)
	}
	// Replay only for terminal runs.
	re, err := e.Replay(ctx, r.ID, w)
	if err != nil || re.ReplayOf != r.ID {
		t.Fatalf("replay %+v %v", re, err)
	}
	f.set("slack", "ok")
	waitStatus(t, st, re.ID, domain.RunCompleted)
}

func TestOperatorPauseResumeCancel(t *testing.T) {
	e, f, st, w := setup(t)
	ctx := context.Background()
	f.block = make(chan struct{})
	r, _ := e.Start(ctx, w, "")
	waitStatus(t, st, r.ID, domain.RunRunning)
	if _, err := e.Pause(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Replay(ctx, r.ID, w); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("replay of a non-terminal run: %v", err)
	}
	close(f.block)
	f.mu.Lock()
	f.block = nil
	f.mu.Unlock()
	e.Wait() // the step in flight finishes, then the run parks
	r = waitStatus(t, st, r.ID, domain.RunPaused)
	if r.PauseReason != domain.PauseOperator || r.CurrentStep != 1 || r.Steps[0].Status != domain.StepCompleted {
		t.Fatalf("operator pause %+v", r)
	}
	if _, err := e.Resume(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, st, r.ID, domain.RunCompleted)
	if _, err := e.Resume(ctx, r.ID); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("resume of a completed run: %v", err)
	}
	// Cancel a parked run: its waiting step is skipped.
	f.set("jira", "broken")
	r, _ = e.Start(ctx, w, "")
	waitStatus(t, st, r.ID, domain.RunPaused)
	e.Wait()
	if r, _ = e.Cancel(ctx, r.ID); r.Status != domain.RunCancelled || r.Steps[0].Status != domain.StepSkipped {
		t.Fatalf("cancel %+v", r)
	}
	if _, err := e.Cancel(ctx, r.ID); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("second cancel: %v", err)
	}
}

func TestRecoverAfterCrash(t *testing.T) {
	_, f, st, w := setup(t)
	ctx := context.Background()
	// A run that was mid-step when the process died.
	now := time.Now().UTC()
	steps := runs.StepsFor(w)
	steps[0].Status, steps[0].Output = domain.StepCompleted, "done before the crash"
	steps[1].Status, steps[1].Attempts = domain.StepRunning, 1
	crashed := domain.Run{ID: "run_crashed", WorkflowID: w.ID, Status: domain.RunRunning, CurrentStep: 1, Steps: steps, CreatedAt: now, UpdatedAt: now}
	if err := st.SaveRun(ctx, crashed); err != nil {
		t.Fatal(err)
	}
	e2 := &runs.Engine{Store: st, Exec: f, InitialInterval: time.Millisecond}
	defer e2.Wait()
	if n, err := e2.Recover(ctx); err != nil || n != 1 {
		t.Fatalf("recovered %d %v", n, err)
	}
	r := waitStatus(t, st, crashed.ID, domain.RunCompleted)
	if f.calls[r.Steps[0].Name] != 0 || r.Steps[1].Attempts != 2 || !strings.Contains(r.Steps[1].Error, "") {
		t.Fatalf("recovered run %+v calls %v", r, f.calls)
	}
}

func TestPublishGate(t *testing.T) {
	conns := map[string]domain.Connection{"a": {Status: domain.StatusActive}, "b": {Status: domain.StatusError}}
	lookup := func(id string) (domain.Connection, error) { return conns[id], nil }
	tests := []struct {
		trigger, action string
		want            string
	}{
		{"a", "a", ""},
		{"b", "a", "Trigger node has an inactive connection"},
		{"a", "b", "Action node has an inactive connection"},
	}
	for _, tt := range tests {
		w := domain.Workflow{Trigger: domain.Node{ConnectionID: tt.trigger}, Actions: []domain.Node{{ConnectionID: tt.action}}}
		err := runs.CheckPublish(w, lookup)
		if (tt.want == "" && err != nil) || (tt.want != "" && (err == nil || err.Error() != tt.want)) {
			t.Errorf("%s/%s: %v", tt.trigger, tt.action, err)
		}
	}
}
