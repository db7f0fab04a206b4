package service_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

func TestRunParksOnBrokenConnectionAndResumesAfterReauth(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.svc.StartBackground(ctx)
	var ids []string
	for _, k := range []string{"wf-key-trigger-0001", "wf-key-action-0002"} {
		e.fake.SetKey(k, true)
		c, err := e.svc.CreateConnection(ctx, e.draft(k, fakes.GenericValidate))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	w, err := e.svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: e.ws.ID, Name: "Nightly sync",
		Trigger: domain.Node{Kind: "schedule"}, Actions: []domain.Node{{Kind: "check", ConnectionID: ids[0]}, {Kind: "check", ConnectionID: ids[1]}}})
	if err != nil {
		t.Fatal(err)
	}
	// Editing keeps the id and unpublishes until published again.
	if w, err = e.svc.UpdateWorkflow(ctx, w.ID, service.WorkflowDraft{WorkspaceID: e.ws.ID, Name: "Nightly sync (edited)",
		Trigger: w.Trigger, Actions: w.Actions}); err != nil || w.Name != "Nightly sync (edited)" || w.Published {
		t.Fatalf("edit: %+v %v", w, err)
	}
	if list, _ := e.svc.ListWorkflows(ctx); len(list) != 1 {
		t.Fatalf("edit created a second workflow: %d", len(list))
	}
	if w, err = e.svc.PublishWorkflow(ctx, w.ID, true); err != nil || !w.Published {
		t.Fatalf("publish: %v", err)
	}
	e.fake.SetKey("wf-key-action-0002", false)
	run, err := e.svc.RunWorkflow(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	run = waitRun(t, e, run.ID, domain.RunPaused)
	if run.PauseReason != domain.PauseReauth || run.Steps[0].Status != domain.StepCompleted {
		t.Fatalf("run %+v", run)
	}
	if list, _ := e.svc.ListRuns(ctx, "paused_for_reauth"); len(list) != 1 {
		t.Fatalf("Paused for reauth chip lists %d", len(list))
	}
	if b, _ := e.svc.GetBanner(ctx); b.Count != 1 {
		t.Fatalf("banner %+v", b)
	}
	if _, err := e.svc.PublishWorkflow(ctx, w.ID, true); err == nil || err.Error() != "Action node has an inactive connection" {
		t.Fatalf("publish gate: %v", err)
	}
	// The operator unpublishes it while the connection is broken.
	if w, err = e.svc.PublishWorkflow(ctx, w.ID, false); err != nil || w.Published {
		t.Fatalf("unpublish: %+v %v", w, err)
	}
	// Re-authenticate: the run resumes by itself, without a click.
	e.fake.SetKey("wf-key-action-new-0003", true)
	if _, err := e.svc.ReauthenticateConnection(ctx, ids[1], domain.ReauthDraft{Secrets: map[string]string{"apiKey": "wf-key-action-new-0003"}}); err != nil {
		t.Fatal(err)
	}
	run = waitRun(t, e, run.ID, domain.RunCompleted)
	if run.Steps[0].Attempts != 1 || run.Steps[1].Status != domain.StepCompleted {
		t.Fatalf("resumed run %+v", run)
	}
	// Seed 004: reconnecting does not republish the workflow.
	if list, _ := e.svc.ListWorkflows(ctx); len(list) != 1 || list[0].Published {
		t.Fatalf("after reconnecting the workflow is %+v, want it still unpublished", list)
	}
	if _, err := e.svc.ResyncConnection(ctx, ids[1]); err != nil {
		t.Fatalf("resync: %v", err)
	}
}

func waitRun(t *testing.T, e *env, id, status string) domain.Run {
	t.Helper()
	var r domain.Run
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		r, _ = e.svc.GetRun(context.Background(), id)
		if r.Status == status {
			return r
		}
	}
	t.Fatalf("run is %s, want %s: %+v", r.Status, status, r)
	return r
}

func TestDeselectingWorkspaceDisconnectsItsWorkflows(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c, _ := e.svc.CreateConnection(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate))
	other, _ := e.svc.CreateWorkspace(ctx, domain.WorkspaceDraft{Name: "Client work"})
	if _, err := e.svc.UpdateConnectionWorkspaces(ctx, c.ID, []string{e.ws.ID, other.ID}); err != nil {
		t.Fatal(err)
	}
	w, err := e.svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: other.ID, Name: "Client sync",
		Trigger: domain.Node{Kind: "schedule"}, Actions: []domain.Node{{Kind: "check", ConnectionID: c.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	stay, _ := e.svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: e.ws.ID, Name: "Team sync",
		Trigger: domain.Node{Kind: "schedule"}, Actions: []domain.Node{{Kind: "check", ConnectionID: c.ID}}})
	_, _ = e.svc.PublishWorkflow(ctx, w.ID, true)
	impact, err := e.svc.WorkspaceImpact(ctx, c.ID, []string{e.ws.ID})
	if err != nil || len(impact) != 1 || impact[0].Name != "Client sync" {
		t.Fatalf("impact %+v %v", impact, err)
	}
	if _, err := e.svc.UpdateConnectionWorkspaces(ctx, c.ID, []string{e.ws.ID}); err != nil {
		t.Fatal(err)
	}
	all, _ := e.svc.ListWorkflows(ctx)
	for _, x := range all {
		switch x.ID {
		case w.ID:
			if x.Published || x.Actions[0].ConnectionID != "" {
				t.Fatalf("not disconnected: %+v", x)
			}
		case stay.ID:
			if x.Actions[0].ConnectionID != c.ID {
				t.Fatalf("a workflow in a kept workspace was disconnected: %+v", x)
			}
		}
	}
}

func TestStepsFetchInventoryAndPostToSlack(t *testing.T) {
	cat, _ := providers.Load()
	e := newEnvWith(t, secrets.NewMemory(), cat.AllSelfHosted())
	ctx := context.Background()
	gh, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "github", AuthMode: "pat", Label: "GitHub", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/github", Config: map[string]string{"email": "a@b.c"}, Secrets: map[string]string{"token": fakes.GitHubToken + "\n" + fakes.GitHubToken2}})
	if err != nil {
		t.Fatal(err)
	}
	sl, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "slack", AuthMode: "token", Label: "Slack", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/slack", Secrets: map[string]string{"token": fakes.SlackToken}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: e.ws.ID, Name: "bad", Trigger: domain.Node{Kind: "schedule"},
		Actions: []domain.Node{{Kind: "post_summary", ConnectionID: gh.ID}}}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("posting to GitHub: %v", err)
	}
	w, err := e.svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: e.ws.ID, Name: "Repos to Slack",
		Trigger: domain.Node{Kind: "new_items", ConnectionID: gh.ID}, Actions: []domain.Node{{Kind: "post_summary", ConnectionID: sl.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	run, _ := e.svc.RunWorkflow(ctx, w.ID)
	run = waitRun(t, e, run.ID, domain.RunCompleted)
	if run.Steps[0].Output != "Fetched 3 repositories from GitHub (3 new)." || len(e.fake.Posts()) != 1 {
		t.Fatalf("first run: %+v posts %v", run.Steps, e.fake.Posts())
	}
	run, _ = e.svc.RunWorkflow(ctx, w.ID)
	run = waitRun(t, e, run.ID, domain.RunCompleted)
	if run.Steps[0].Output != "Fetched 3 repositories from GitHub (0 new)." {
		t.Fatalf("second run: %+v", run.Steps[0])
	}
}

// TestResyncOfferedOnlyWhenActiveOrInterrupted: seed 002 offers Resync all
// tasks for Authorized (active) or Interrupted connections; a broken one is
// refused with a message that says to reconnect first. The provider here is
// a generic API-key service answering as RFC 9110 describes: 200, 503 with
// Retry-After (an outage) or 401 (a revoked key).
func TestResyncOfferedOnlyWhenActiveOrInterrupted(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	var answer atomic.Int32
	answer.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := int(answer.Load())
		if code == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "60")
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte("{}"))
	}))
	defer srv.Close()
	d := e.draft("resync-key-0001", "/me")
	d.BaseURL = srv.URL
	c, err := e.svc.CreateConnection(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ResyncConnection(ctx, c.ID); err != nil {
		t.Fatalf("active: %v", err)
	}
	// Interrupted: still active, with a temporary error (an outage).
	answer.Store(http.StatusServiceUnavailable)
	if c, err = e.svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusActive || c.LastError == nil {
		t.Fatalf("outage did not interrupt: %+v %v", c, err)
	}
	if _, err := e.svc.ResyncConnection(ctx, c.ID); err != nil {
		t.Fatalf("interrupted: %v", err)
	}
	// Broken: refused.
	answer.Store(http.StatusUnauthorized)
	if c, err = e.svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusError {
		t.Fatalf("revoked key did not break the connection: %+v %v", c, err)
	}
	_, err = e.svc.ResyncConnection(ctx, c.ID)
	if domain.ErrorCode(err) != domain.EConflict || err.Error() != "Resync all tasks is available only when the connection is active or interrupted. Reconnect it first." {
		t.Fatalf("resync of a broken connection: %v", err)
	}
}

// TestParkedRunResumesWhileTheBusIsFlooded: the event bus drops events for a
// subscriber that falls behind, so it must carry no control flow. A run
// parked on a broken connection resumes within a second of the
// re-authentication while 10,000 other events flood the bus.
func TestParkedRunResumesWhileTheBusIsFlooded(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx, cancel := context.WithCancel(context.Background())
	e.svc.StartBackground(ctx)
	defer func() { cancel(); e.svc.Wait() }()
	e.fake.SetKey("flood-key-old-0001", true)
	c, err := e.svc.CreateConnection(ctx, e.draft("flood-key-old-0001", fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: e.ws.ID, Name: "Flooded",
		Trigger: domain.Node{Kind: "schedule"}, Actions: []domain.Node{{Kind: "check", ConnectionID: c.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	e.fake.SetKey("flood-key-old-0001", false)
	run, err := e.svc.RunWorkflow(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitRun(t, e, run.ID, domain.RunPaused)

	// Flood: 10,000 events about another connection, in bursts that keep every
	// subscriber's buffer full while the re-authentication happens.
	flooding := make(chan struct{})
	var sent atomic.Int64
	go func() {
		defer close(flooding)
		for sent.Load() < 10000 {
			for j := 0; j < 100; j++ {
				e.svc.Bus().Publish(events.ConnectionChanged, events.ConnectionRef{ID: "conn_other"})
				sent.Add(1)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	for sent.Load() < 500 {
		time.Sleep(time.Millisecond)
	}
	e.fake.SetKey("flood-key-new-0002", true)
	if _, err := e.svc.ReauthenticateConnection(ctx, c.ID, domain.ReauthDraft{Secrets: map[string]string{"apiKey": "flood-key-new-0002"}}); err != nil {
		t.Fatal(err)
	}
	recovered := time.Now()
	var got domain.Run
	for time.Since(recovered) < time.Second {
		if got, _ = e.svc.GetRun(ctx, run.ID); got.Status != domain.RunPaused {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	<-flooding
	if got.Status == domain.RunPaused {
		t.Fatalf("the parked run did not resume within 1 s of the re-authentication (%d events flooded the bus): %+v", sent.Load(), got)
	}
	waitRun(t, e, run.ID, domain.RunCompleted)
}
