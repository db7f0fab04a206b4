package service_test

import (
	"context"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

func TestScheduleTriggerFiresWhenDueAndNeverPilesUp(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c, err := e.svc.CreateConnection(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: e.ws.ID, Name: "Bad interval",
		Trigger: domain.Node{Kind: "schedule", Params: map[string]string{"every": "0"}}, Actions: []domain.Node{{Kind: "check", ConnectionID: c.ID}}}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("every=0 accepted: %v", err)
	}
	w, err := e.svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: e.ws.ID, Name: "Every 10 minutes",
		Trigger: domain.Node{Kind: "schedule", Params: map[string]string{"every": "10"}}, Actions: []domain.Node{{Kind: "check", ConnectionID: c.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	fire := func(want int) []domain.Run {
		t.Helper()
		got, err := e.svc.TriggerDue(ctx)
		if err != nil || len(got) != want {
			t.Fatalf("TriggerDue started %d runs (%v), want %d", len(got), err, want)
		}
		return got
	}
	e.clock.Advance(time.Hour)
	fire(0) // unpublished: never fires
	if _, err := e.svc.PublishWorkflow(ctx, w.ID, true); err != nil {
		t.Fatal(err)
	}
	fire(0) // not due yet
	e.clock.Advance(11 * time.Minute)
	r := fire(1)[0]
	waitRun(t, e, r.ID, domain.RunCompleted)
	fire(0) // just fired
	if list, _ := e.svc.ListWorkflows(ctx); list[0].LastTriggeredAt == nil {
		t.Fatal("the trigger time was not recorded")
	}
	// The connection breaks: the next run parks, and the one after that is
	// not started while it waits.
	e.fake.SetKey(fakes.GenericGoodKey, false)
	e.clock.Advance(11 * time.Minute)
	parked := fire(1)[0]
	waitRun(t, e, parked.ID, domain.RunPaused)
	e.clock.Advance(11 * time.Minute)
	fire(0)
	// Unpublishing stops it.
	e.fake.SetKey(fakes.GenericGoodKey, true)
	if _, err := e.svc.CancelRun(ctx, parked.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PublishWorkflow(ctx, w.ID, false); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	fire(0)
}

func TestNewItemsTriggerStartsARunOnlyForNewItems(t *testing.T) {
	cat, _ := providers.Load()
	e := newEnvWith(t, secrets.NewMemory(), cat.AllSelfHosted())
	ctx := context.Background()
	gh, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "github", AuthMode: "pat", Label: "GitHub", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/github", Config: map[string]string{"email": "a@b.c"}, Secrets: map[string]string{"token": fakes.GitHubToken}})
	if err != nil {
		t.Fatal(err)
	}
	sl, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "slack", AuthMode: "token", Label: "Slack", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/slack", Secrets: map[string]string{"token": fakes.SlackToken}})
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: e.ws.ID, Name: "New repos to Slack",
		Trigger: domain.Node{Kind: "new_items", ConnectionID: gh.ID, Params: map[string]string{"every": "5"}}, Actions: []domain.Node{{Kind: "post_summary", ConnectionID: sl.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PublishWorkflow(ctx, w.ID, true); err != nil {
		t.Fatal(err)
	}
	step := func(want int) []domain.Run {
		t.Helper()
		e.clock.Advance(6 * time.Minute)
		got, err := e.svc.TriggerDue(ctx)
		if err != nil || len(got) != want {
			t.Fatalf("TriggerDue started %d runs (%v), want %d", len(got), err, want)
		}
		return got
	}
	step(0) // the first poll records the three existing repositories
	step(0) // nothing new
	e.fake.AddRepository("octo-org/new-service")
	r := waitRun(t, e, step(1)[0].ID, domain.RunCompleted)
	if r.Steps[0].Output != "Fetched 4 repositories from GitHub (1 new)." || r.Steps[0].Attempts != 1 || len(e.fake.Posts()) != 1 {
		t.Fatalf("triggered run %+v posts %v", r.Steps, e.fake.Posts())
	}
	step(0) // seen already
	// A broken trigger connection starts nothing (and is reported on the connection).
	e.fake.SetKey(fakes.GitHubToken, false)
	e.fake.AddRepository("octo-org/another")
	step(0)
	if c, _ := e.svc.GetConnection(ctx, gh.ID); c.Status == domain.StatusActive {
		t.Fatalf("polling a revoked token left the connection %s", c.Status)
	}
}
