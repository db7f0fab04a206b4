package cli

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/runs"
	"patchbay/backend/service"
	"patchbay/backend/store"
)

// demoStepRetryBudget is how long a demo run's step retries a transient
// failure: the run of "GitLab mirror check" against the GitLab outage stays
// running (retrying every Retry-After: 60 s) for the session, and completes
// once the provider recovers (POST {fakeBaseUrl}/_fake/keys with down false).
const demoStepRetryBudget = 12 * time.Hour

// seedDemoExtras fills the rest of what a new user of --demo should see
// populated: a GitHub App connection (no Re-Authenticate), 30 days of check
// history (the Health page's charts), a second workspace, two clients (one
// owning connections), workflows and runs in every state: completed,
// running (its step retries the GitLab outage), paused for reauth, paused by
// an operator, failed.
func seedDemoExtras(ctx context.Context, svc *service.Service, st *store.Store, base string) error {
	ws, err := svc.ListWorkspaces(ctx)
	if err != nil || len(ws) == 0 {
		return fmt.Errorf("seed demo extras: no workspace: %v", err)
	}
	def := ws[0]
	if _, err := svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "github", AuthMode: "github_app", Label: "Org GitHub App",
		WorkspaceIDs: []string{def.ID}, BaseURL: base + "/github",
		Config:  map[string]string{"appId": fakes.GitHubAppID, "installationId": fakes.GitHubInstallationID},
		Secrets: map[string]string{"privateKey": fakes.GitHubAppPrivateKey}}); err != nil {
		return fmt.Errorf("seed demo github app: %w", err)
	}
	conns, err := svc.ListConnections(ctx)
	if err != nil {
		return err
	}
	byLabel := map[string]domain.Connection{}
	for _, c := range conns {
		byLabel[c.Label] = c
	}
	if err := seedHistory(ctx, svc, st, conns); err != nil {
		return err
	}

	// A second workspace, granted a few connections.
	support, err := svc.CreateWorkspace(ctx, domain.WorkspaceDraft{Name: "Support team"})
	if err != nil {
		return fmt.Errorf("seed demo workspace: %w", err)
	}
	for _, label := range []string{"Demo GitHub", "Alerts Slack"} {
		if c, ok := byLabel[label]; ok {
			if _, err := svc.UpdateConnectionWorkspaces(ctx, c.ID, []string{def.ID, support.ID}); err != nil {
				return fmt.Errorf("seed demo workspace access: %w", err)
			}
		}
	}
	// Two clients; Initech owns two connections (they show in its portal).
	initech, err := svc.CreateClient(ctx, "Initech")
	if err != nil {
		return fmt.Errorf("seed demo client: %w", err)
	}
	if _, err := svc.CreateClient(ctx, "Globex"); err != nil {
		return fmt.Errorf("seed demo client: %w", err)
	}
	for _, label := range []string{"Demo Bitbucket Cloud", "Demo Harness CI/CD"} {
		if c, ok := byLabel[label]; ok {
			if _, err := svc.SetConnectionOwner(ctx, c.ID, initech.ID); err != nil {
				return fmt.Errorf("seed demo owner: %w", err)
			}
		}
	}
	return seedRuns(ctx, svc, st, def, support, byLabel)
}

// seedHistory writes 29 days of past checks (two a day) for every
// connection: mostly successful with each provider's own latency, a two-day
// outage of the self-managed GitLab and the days before Slack's token was
// revoked. Deterministic: the same demo every time.
func seedHistory(ctx context.Context, svc *service.Service, st *store.Store, conns []domain.Connection) error {
	now := svc.Clock()().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	for _, c := range conns {
		h := fnv.New32a()
		_, _ = h.Write([]byte(c.Provider))
		base := int64(40 + h.Sum32()%260)
		var list []domain.CheckResult
		for d := 29; d >= 1; d-- {
			for k := 0; k < 2; k++ {
				at := today.AddDate(0, 0, -d).Add(time.Duration(30+12*60*k) * time.Minute)
				n := fnv.New32a()
				_, _ = fmt.Fprintf(n, "%s/%d/%d", c.Provider, d, k)
				r := n.Sum32()
				res := domain.CheckResult{Class: domain.ClassOK, HTTPStatus: 200, Message: "Connected and working.", CheckedAt: at,
					LatencyMS: base + int64(r%uint32(base)) + int64(r%97/96)*base*3}
				switch {
				case c.Label == "Self-managed GitLab" && (d == 3 || d == 4):
					res = domain.CheckResult{Class: domain.ClassProviderDown, HTTPStatus: 503, Message: "The provider had an internal error (HTTP 503).", CheckedAt: at, LatencyMS: base}
				case c.Label == "Alerts Slack" && d <= 2 && k == 1:
					res = domain.CheckResult{Class: domain.ClassRevoked, HTTPStatus: 200, Message: "Slack says the token was revoked (token_revoked).", CheckedAt: at, LatencyMS: base}
				case r%113 == 0:
					res = domain.CheckResult{Class: domain.ClassNetwork, Message: "The provider did not answer in time.", CheckedAt: at, LatencyMS: 10000}
				}
				list = append(list, res)
			}
		}
		if err := st.AddChecks(ctx, c.ID, list); err != nil {
			return fmt.Errorf("seed demo history: %w", err)
		}
	}
	return nil
}

// seedRuns creates the demo's workflows and runs in every state.
func seedRuns(ctx context.Context, svc *service.Service, st *store.Store, def, support domain.Workspace, byLabel map[string]domain.Connection) error {
	jira, github, slack, gitlab := byLabel["Demo Jira Cloud"], byLabel["Demo GitHub"], byLabel["Alerts Slack"], byLabel["Self-managed GitLab"]
	if jira.ID == "" || github.ID == "" || slack.ID == "" || gitlab.ID == "" {
		return fmt.Errorf("seed demo runs: a demo connection is missing")
	}
	nightly, err := svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: def.ID, Name: "Nightly inventory",
		Trigger: domain.Node{Kind: "schedule"},
		Actions: []domain.Node{{Kind: "check", ConnectionID: jira.ID}, {Kind: "fetch_inventory", ConnectionID: github.ID}}})
	if err != nil {
		return fmt.Errorf("seed demo workflow: %w", err)
	}
	digest, err := svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: support.ID, Name: "Support digest",
		Trigger: domain.Node{Kind: "schedule"},
		Actions: []domain.Node{{Kind: "fetch_inventory", ConnectionID: github.ID}, {Kind: "post_summary", ConnectionID: slack.ID}}})
	if err != nil {
		return fmt.Errorf("seed demo workflow: %w", err)
	}
	mirror, err := svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: def.ID, Name: "GitLab mirror check",
		Trigger: domain.Node{Kind: "schedule"}, Actions: []domain.Node{{Kind: "check", ConnectionID: gitlab.ID}}})
	if err != nil {
		return fmt.Errorf("seed demo workflow: %w", err)
	}
	// Earlier runs, as the history shows them: one failed, one an operator paused.
	now := svc.Clock()().UTC()
	yesterday := now.Add(-20 * time.Hour)
	failed := domain.Run{ID: "run_demo_failed", WorkflowID: nightly.ID, Status: domain.RunFailed, Steps: runs.StepsFor(nightly),
		CreatedAt: yesterday, UpdatedAt: yesterday.Add(time.Minute)}
	failed.Error = fmt.Sprintf("Step %q failed: The provider did not answer in time.", failed.Steps[0].Name)
	failed.Steps[0].Status, failed.Steps[0].Attempts, failed.Steps[0].Error = domain.StepFailed, 3, "The provider did not answer in time."
	for i := 1; i < len(failed.Steps); i++ {
		failed.Steps[i].Status = domain.StepSkipped
	}
	paused := domain.Run{ID: "run_demo_paused", WorkflowID: nightly.ID, Status: domain.RunPaused, PauseReason: domain.PauseOperator,
		Steps: runs.StepsFor(nightly), CurrentStep: 1, CreatedAt: now.Add(-2 * time.Hour), UpdatedAt: now.Add(-2 * time.Hour)}
	paused.Steps[0].Status, paused.Steps[0].Attempts, paused.Steps[0].Output = domain.StepCompleted, 1, "Connected and working."
	for _, r := range []domain.Run{failed, paused} {
		if err := st.SaveRun(ctx, r); err != nil {
			return fmt.Errorf("seed demo run: %w", err)
		}
	}
	// Live runs: completes; parks on the revoked Slack token; retries the
	// GitLab outage (running) until it recovers or demoStepRetryBudget ends.
	for _, w := range []domain.Workflow{nightly, digest, mirror} {
		if _, err := svc.RunWorkflow(ctx, w.ID); err != nil {
			return fmt.Errorf("seed demo run %s: %w", w.Name, err)
		}
	}
	if _, err := svc.PublishWorkflow(ctx, nightly.ID, true); err != nil {
		return fmt.Errorf("seed demo publish: %w", err)
	}
	return nil
}
