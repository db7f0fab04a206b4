package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/service"
	"patchbay/backend/store"
)

// Demo credentials whose state the seed changes after creating them.
const (
	demoRevokedSlack = "xoxb-3333-4444-demoRevokedToken"
	demoOutageGitLab = "glpat-demoOutageToken0000002"
)

// seedDemo fills a fresh demo data directory with one integration per
// provider, all validated against the fakes, plus one broken (error) and one
// interrupted connection, so a new user sees every state.
func seedDemo(ctx context.Context, svc *service.Service, fake *fakes.Server, base string) error {
	ws, err := svc.ListWorkspaces(ctx)
	if err != nil || len(ws) == 0 {
		return fmt.Errorf("seed demo: no workspace: %v", err)
	}
	names := map[string]string{}
	providers, _ := svc.ListProviders(ctx)
	for _, p := range providers {
		names[p.ID] = p.Name
	}
	create := func(d fakes.Demo, label string) (domain.Connection, error) {
		return svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: d.Provider, AuthMode: d.Mode, Label: label,
			WorkspaceIDs: []string{ws[0].ID}, BaseURL: base + d.BasePath, Config: d.Config, Secrets: d.Secrets})
	}
	for _, d := range fakes.Demos() {
		if _, err := create(d, "Demo "+strings.TrimPrefix(names[d.Provider], "Azure DevOps ")); err != nil {
			return fmt.Errorf("seed demo %s: %w", d.Provider, err)
		}
	}
	// A Slack connection whose token the provider revoked: needs reauth.
	fake.SetKey(demoRevokedSlack, true)
	slack, err := create(fakes.Demo{Provider: "slack", Mode: "token", BasePath: "/slack", Secrets: map[string]string{"token": demoRevokedSlack}}, "Alerts Slack")
	if err != nil {
		return fmt.Errorf("seed demo broken slack: %w", err)
	}
	fake.SetKey(demoRevokedSlack, false)
	// A GitLab connection whose provider is down: interrupted, not broken.
	fake.SetKey(demoOutageGitLab, true)
	gitlab, err := create(fakes.Demo{Provider: "gitlab", Mode: "pat", BasePath: "/gitlab", Secrets: map[string]string{"token": demoOutageGitLab}}, "Self-managed GitLab")
	if err != nil {
		return fmt.Errorf("seed demo interrupted gitlab: %w", err)
	}
	fake.SetDown(demoOutageGitLab, true)
	for _, id := range []string{slack.ID, gitlab.ID} {
		if _, err := svc.CheckConnection(ctx, id); err != nil {
			return fmt.Errorf("seed demo check: %w", err)
		}
	}
	if err := seedAlertRoute(ctx, svc); err != nil {
		return err
	}
	return seedOAuth(ctx, svc, base, ws[0].ID)
}

// seedAlertRoute posts "reauth required" and recoveries to the fake
// Slack's #alerts through the demo Slack connection, so breaking a
// connection in the demo shows a delivery in Settings › Alert routes.
func seedAlertRoute(ctx context.Context, svc *service.Service) error {
	conns, err := svc.ListConnections(ctx)
	if err != nil {
		return err
	}
	for _, c := range conns {
		if c.Provider == "slack" && c.Status == domain.StatusActive {
			_, err := svc.CreateAlertRoute(ctx, domain.AlertRouteDraft{AlertRoute: domain.AlertRoute{Name: "#alerts (demo)", Kind: "slack", SlackConnectionID: c.ID, Channel: "alerts"}})
			if err != nil {
				return fmt.Errorf("seed demo alert route: %w", err)
			}
			return nil
		}
	}
	return nil
}

// seedOAuth connects the Generic OAuth 2.0 provider to the fake server by
// playing the user's consent in-process.
func seedOAuth(ctx context.Context, svc *service.Service, base, workspace string) error {
	st, err := svc.StartConsent(ctx, domain.ConnectionDraft{Provider: "generic_oauth2", AuthMode: "oauth2", Label: "Demo OAuth app",
		WorkspaceIDs: []string{workspace},
		Config: map[string]string{"authorizeUrl": base + "/oauth/authorize", "tokenUrl": base + "/oauth/token",
			"userinfoUrl": base + "/oauth/userinfo", "clientId": fakes.OAuthClientID, "scopes": "openid email offline_access"},
		Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}})
	if err != nil {
		return fmt.Errorf("seed demo oauth: %w", err)
	}
	if _, _, err := fakes.Browse(st.AuthURL, "approve", nil); err != nil {
		return fmt.Errorf("seed demo oauth consent: %w", err)
	}
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if st, err = svc.GetConsent(ctx, st.ID); err != nil || st.State != domain.ConsentPending {
			break
		}
		select {
		case <-wait.Done():
			return fmt.Errorf("seed demo oauth: consent still pending after 10 s")
		case <-tick.C:
		}
	}
	if err != nil || st.State != domain.ConsentDone {
		return fmt.Errorf("seed demo oauth: consent ended %s: %s %v", st.State, st.Message, err)
	}
	return nil
}

// seedBulk adds n display-only connections (no secret: a check of one says
// its credential is missing) in a mix of statuses, for the benchmark that
// renders and filters a 10,000-row Integrations page.
func seedBulk(ctx context.Context, svc *service.Service, st *store.Store, n int) error {
	ws, err := svc.ListWorkspaces(ctx)
	if err != nil || len(ws) == 0 {
		return fmt.Errorf("seed bulk: no workspace: %v", err)
	}
	providers := [][2]string{{"github", "pat"}, {"gitlab", "pat"}, {"jira_cloud", "api_token"}, {"slack", "token"}, {"sonarqube", "token"}, {"bitbucket", "api_token"}}
	now := svc.Clock()().UTC()
	list := make([]domain.Connection, 0, n)
	for i := 0; i < n; i++ {
		c := domain.Connection{ID: fmt.Sprintf("conn_bulk_%05d", i), Provider: providers[i%len(providers)][0], AuthMode: providers[i%len(providers)][1],
			Label: fmt.Sprintf("Bulk integration %05d", i), Owner: domain.OwnerTeam, WorkspaceIDs: []string{ws[0].ID},
			Config: map[string]string{}, Status: domain.StatusActive, StatusDescription: "Connected and working.",
			LastCheckedAt: &now, CreatedAt: now, UpdatedAt: now}
		if i%50 == 7 {
			c.Status, c.StatusDescription = domain.StatusError, "Reconnection needed."
		}
		list = append(list, c)
	}
	return st.CreateConnections(ctx, list)
}
