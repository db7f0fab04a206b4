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

// TestResyncReplaysTheFailedTasksOfItsConnection (seed 002, Resync all
// tasks): a run whose step on a connection failed is replayed when that
// connection is resynced, and the count says so; a connection with no
// failed step resyncs nothing. (The other tests only checked that resync
// returned no error, so a resync that replayed nothing passed them.)
func TestResyncReplaysTheFailedTasksOfItsConnection(t *testing.T) {
	cat, _ := providers.Load()
	e := newEnvOptions(t, secrets.NewMemory(), func(url string) *providers.Catalogue { return cat.AllSelfHosted().WithCloudAt(url) }, 5*time.Second,
		func(o *service.Options) { o.StepRetryBudget = time.Second })
	ctx := context.Background()
	gitlab, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "gitlab", AuthMode: "pat", Label: "GitLab", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/gitlab", Secrets: map[string]string{"token": fakes.GitLabToken}})
	if err != nil {
		t.Fatal(err)
	}
	const key = "resync-key-00000000000001"
	e.fake.SetKey(key, true)
	other, err := e.svc.CreateConnection(ctx, e.draft(key, fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: e.ws.ID, Name: "Mirror", Trigger: domain.Node{Kind: "schedule"},
		Actions: []domain.Node{{Kind: "check", ConnectionID: gitlab.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	// A GitLab outage (503, Retry-After 60) outlasts the 1 s step budget: the run fails on GitLab's step.
	e.fake.SetDown(fakes.GitLabToken, true)
	r, err := e.svc.RunWorkflow(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r = waitRun(t, e, r.ID, domain.RunFailed); r.Steps[0].Status != domain.StepFailed || r.Steps[0].ConnectionID != gitlab.ID {
		t.Fatalf("run %+v", r)
	}
	e.fake.SetDown(fakes.GitLabToken, false)
	if _, err := e.svc.CheckConnection(ctx, gitlab.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := e.svc.ResyncConnection(ctx, other.ID); err != nil || n != 0 {
		t.Fatalf("resync of a connection with no failed task: %d, %v; want 0", n, err)
	}
	n, err := e.svc.ResyncConnection(ctx, gitlab.ID)
	if err != nil || n != 1 {
		t.Fatalf("resync of GitLab: %d, %v; want its 1 failed task replayed", n, err)
	}
	all, err := e.svc.ListRuns(ctx, "all")
	if err != nil {
		t.Fatal(err)
	}
	var replay string
	for _, x := range all {
		if x.ReplayOf == r.ID {
			replay = x.ID
		}
	}
	if replay == "" {
		t.Fatalf("no run replays %s after the resync: %+v", r.ID, all)
	}
	waitRun(t, e, replay, domain.RunCompleted)
}
