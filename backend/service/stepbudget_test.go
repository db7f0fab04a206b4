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

// TestStepRetryBudget: a provider outage answers 503 with Retry-After: 60,
// and Options.StepRetryBudget reaches the run engine: with a budget shorter
// than that wait the run fails at once; with a long one (what --demo does)
// the step keeps retrying and the run stays running. The first half fails
// when the option is not passed on (the engine's default minute would wait
// the 60 s once).
func TestStepRetryBudget(t *testing.T) {
	cat, _ := providers.Load()
	outage := func(t *testing.T, budget time.Duration) (*env, domain.Run) {
		t.Helper()
		e := newEnvOptions(t, secrets.NewMemory(), func(url string) *providers.Catalogue { return cat.AllSelfHosted().WithCloudAt(url) }, 5*time.Second,
			func(o *service.Options) { o.StepRetryBudget = budget })
		ctx := context.Background()
		c, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "gitlab", AuthMode: "pat", Label: "GitLab", WorkspaceIDs: []string{e.ws.ID},
			BaseURL: e.url + "/gitlab", Secrets: map[string]string{"token": fakes.GitLabToken}})
		if err != nil {
			t.Fatal(err)
		}
		w, err := e.svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: e.ws.ID, Name: "Mirror", Trigger: domain.Node{Kind: "schedule"},
			Actions: []domain.Node{{Kind: "check", ConnectionID: c.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		before := e.fake.Requests("/gitlab/api/v4/user")
		e.fake.SetDown(fakes.GitLabToken, true)
		r, err := e.svc.RunWorkflow(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The step asked GitLab and got the outage.
		for deadline := time.Now().Add(10 * time.Second); e.fake.Requests("/gitlab/api/v4/user") == before; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the run's step never reached the provider")
			}
		}
		return e, r
	}

	t.Run("a budget shorter than Retry-After: the run fails", func(t *testing.T) {
		e, r := outage(t, time.Second)
		if r = waitRun(t, e, r.ID, domain.RunFailed); r.Steps[0].Status != domain.StepFailed {
			t.Fatalf("run %+v", r)
		}
	})
	t.Run("raised budget: the step keeps retrying, the run stays running", func(t *testing.T) {
		e, r := outage(t, time.Hour)
		// A budget shorter than the Retry-After fails the run within milliseconds of the 503.
		for until := time.Now().Add(2 * time.Second); time.Now().Before(until); time.Sleep(20 * time.Millisecond) {
			got, _ := e.svc.GetRun(context.Background(), r.ID)
			if got.Status != domain.RunRunning || got.Steps[0].Status != domain.StepRunning {
				t.Fatalf("run %s, step %s: want running while the outage lasts", got.Status, got.Steps[0].Status)
			}
		}
	})
}
