package runs_test

import (
	"context"
	"errors"
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
	// limited counts rate-limited answers per connection, each asking to
	// wait until a moment after now() (the engine's clock).
	limited map[string]int
	now     func() time.Time
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
	limited := f.limited[s.ConnectionID]
	if limited > 0 {
		f.limited[s.ConnectionID] = limited - 1
	}
	f.mu.Unlock()
	if limited > 0 {
		at := f.now().Add(100 * time.Millisecond)
		return "", domain.CheckResult{Class: domain.ClassRateLimited, Message: "HTTP 429", RetryAt: &at}, nil
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return "", domain.CheckResult{}, ctx.Err()
		}
	}
	switch {
	case state == "internal":
		return "", domain.CheckResult{}, errors.New("record check of connection " + s.ConnectionID + ": database is locked")
	case state == "refused":
		return "", domain.CheckResult{}, domain.Errorf(domain.EValidation, "%s cannot receive a summary; use a Slack connection", s.ConnectionID)
	case left > 0 || state == "down":
		return "", domain.CheckResult{Class: domain.ClassProviderDown, Message: "HTTP 503"}, nil
	case state == "broken":
		return "", domain.CheckResult{Class: domain.ClassRevoked, Message: "token revoked"}, nil
	}
	return "fetched 3 items", domain.CheckResult{Class: domain.ClassOK}, nil
}

// seedWorkflow opens a store with one workspace, three active connections
// (jira, github, slack) and the workflow "Sync" over them.
func seedWorkflow(t testing.TB) (*store.Store, domain.Workflow) {
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
	return st, w
}

func setup(t testing.TB) (*runs.Engine, *fakeExec, *store.Store, domain.Workflow) {
	t.Helper()
	st, w := seedWorkflow(t)
	f := &fakeExec{state: map[string]string{}, transient: map[string]int{}, calls: map[string]int{}, limited: map[string]int{}, now: time.Now}
	e := &runs.Engine{Store: st, Exec: f, InitialInterval: time.Millisecond, MaxElapsed: 200 * time.Millisecond}
	t.Cleanup(e.Wait)
	return e, f, st, w
}

func waitStatus(t testing.TB, st *store.Store, id string, want string) domain.Run {
	t.Helper()
	var r domain.Run
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
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

// TestStepErrorsShownAreTheirPublicMessages: a step that fails with an
// internal error (a database or keyring failure) shows the public "Internal
// error" text on the run's page, never the internal detail; a step refused
// with a domain error keeps its message.
func TestStepErrorsShownAreTheirPublicMessages(t *testing.T) {
	e, f, st, w := setup(t)
	ctx := context.Background()
	f.set("slack", "internal")
	r, _ := e.Start(ctx, w, "")
	r = waitStatus(t, st, r.ID, domain.RunFailed)
	if s := r.Steps[2]; s.Status != domain.StepFailed || strings.Contains(s.Error+r.Error, "database is locked") || !strings.Contains(s.Error, domain.Public(errors.New("x")).Message) {
		t.Fatalf("internal failure shown as step %q, run %q", s.Error, r.Error)
	}
	f.set("slack", "refused")
	r, _ = e.Start(ctx, w, "")
	r = waitStatus(t, st, r.ID, domain.RunFailed)
	if s := r.Steps[2]; s.Error != "slack cannot receive a summary; use a Slack connection" {
		t.Fatalf("refusal shown as step %q, run %q", s.Error, r.Error)
	}
}

// TestRateLimitWaitFollowsTheClock: a rate-limited step waits until its
// RetryAt by the engine's clock, on dates far from the wall clock (measured
// against the wall clock, the wait would be years and the step would fail).
func TestRateLimitWaitFollowsTheClock(t *testing.T) {
	for _, date := range []time.Time{
		time.Date(2031, 6, 1, 9, 15, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 23, 30, 0, 0, time.UTC),
	} {
		t.Run(date.Format(time.RFC3339), func(t *testing.T) {
			e, f, st, w := setup(t)
			start := time.Now()
			clock := func() time.Time { return date.Add(time.Since(start)) }
			e.Now, f.now = clock, clock
			e.MaxElapsed = 5 * time.Second
			f.mu.Lock()
			f.limited["github"] = 1
			f.mu.Unlock()
			r, err := e.Start(context.Background(), w, "")
			if err != nil {
				t.Fatal(err)
			}
			r = waitStatus(t, st, r.ID, domain.RunCompleted)
			if r.Steps[1].Attempts != 2 {
				t.Fatalf("attempts %d, want 2 (one rate-limited answer waited out)", r.Steps[1].Attempts)
			}
			if d := r.CreatedAt.Sub(date); d < 0 || d > time.Minute {
				t.Fatalf("the run was created at %s, not on the engine's clock (%s)", r.CreatedAt, date)
			}
		})
	}
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

// TestRecoverAfterCrashInEveryState restarts the engine over a database a
// crashed process left behind, one run state at a time, and checks that
// every run ends honest: resumed at the interrupted step with no completed
// step run again, still parked, or untouched when it had already finished.
func TestRecoverAfterCrashInEveryState(t *testing.T) {
	tests := []struct {
		name        string
		status      string
		reason      string
		current     int
		steps       []string // status of each of the 3 steps
		jira        string   // the parked connection's status at restart
		wantStatus  string
		wantResumed int
		wantCalls   []int // executions per step after the restart
		wantStep    string
	}{
		{"queued, nothing started", domain.RunQueued, "", 0, []string{"pending", "pending", "pending"}, "active", domain.RunCompleted, 1, []int{1, 1, 1}, ""},
		{"running, mid-step", domain.RunRunning, "", 1, []string{"completed", "running", "pending"}, "active", domain.RunCompleted, 1, []int{0, 1, 1}, ""},
		{"running, between steps", domain.RunRunning, "", 2, []string{"completed", "completed", "pending"}, "active", domain.RunCompleted, 1, []int{0, 0, 1}, ""},
		{"paused for reauth, still broken", domain.RunPaused, domain.PauseReauth, 0, []string{"waiting", "pending", "pending"}, "error", domain.RunPaused, 0, []int{0, 0, 0}, domain.StepWaiting},
		{"paused for reauth, fixed meanwhile", domain.RunPaused, domain.PauseReauth, 0, []string{"waiting", "pending", "pending"}, "active", domain.RunCompleted, 1, []int{1, 1, 1}, ""},
		{"paused by the operator mid-step", domain.RunPaused, domain.PauseOperator, 1, []string{"completed", "running", "pending"}, "active", domain.RunPaused, 0, []int{0, 0, 0}, domain.StepPending},
		{"completed", domain.RunCompleted, "", 3, []string{"completed", "completed", "completed"}, "active", domain.RunCompleted, 0, []int{0, 0, 0}, ""},
		{"failed", domain.RunFailed, "", 1, []string{"completed", "failed", "pending"}, "active", domain.RunFailed, 0, []int{0, 0, 0}, domain.StepFailed},
		{"cancelled", domain.RunCancelled, "", 1, []string{"completed", "skipped", "skipped"}, "active", domain.RunCancelled, 0, []int{0, 0, 0}, domain.StepSkipped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, f, st, w := setup(t)
			ctx := context.Background()
			jira, _ := st.GetConnection(ctx, "jira")
			jira.Status = domain.Status(tt.jira)
			if err := st.UpdateConnection(ctx, jira); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			steps := runs.StepsFor(w)
			for i, s := range tt.steps {
				steps[i].Status = s
				if s != domain.StepPending {
					steps[i].Attempts = 1
				}
			}
			crashed := domain.Run{ID: "run_crashed", WorkflowID: w.ID, Status: tt.status, PauseReason: tt.reason, CurrentStep: tt.current, Steps: steps, CreatedAt: now, UpdatedAt: now}
			if tt.reason == domain.PauseReauth {
				crashed.PausedConnectionID = "jira"
			}
			if err := st.SaveRun(ctx, crashed); err != nil {
				t.Fatal(err)
			}
			// A new process over the same database.
			e2 := &runs.Engine{Store: st, Exec: f, InitialInterval: time.Millisecond}
			n, err := e2.Recover(ctx)
			if err != nil || n != tt.wantResumed {
				t.Fatalf("Recover resumed %d runs (%v), want %d", n, err, tt.wantResumed)
			}
			e2.Wait()
			r := waitStatus(t, st, crashed.ID, tt.wantStatus)
			for i, want := range tt.wantCalls {
				if got := f.calls[steps[i].Name]; got != want {
					t.Errorf("step %d ran %d times after the restart, want %d", i, got, want)
				}
			}
			for _, s := range r.Steps {
				if s.Status == domain.StepRunning {
					t.Errorf("step %q still shows running after the restart", s.Name)
				}
			}
			if tt.wantStep != "" && tt.current < len(r.Steps) && r.Steps[tt.current].Status != tt.wantStep {
				t.Errorf("current step is %s, want %s", r.Steps[tt.current].Status, tt.wantStep)
			}
		})
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
