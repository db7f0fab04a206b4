package service_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
)

// TestJiraCloudOAuthKeepsItsSite connects Jira Cloud by 3LO consent: the
// site typed by the user must be among the token's accessible resources,
// API calls go through the gateway with its cloud id, and a
// reauthorization that no longer grants that site changes nothing.
func TestJiraCloudOAuthKeepsItsSite(t *testing.T) {
	cat, _ := providers.Load()
	sec := secrets.NewMemory()
	e := newEnvWithURL(t, sec, func(url string) *providers.Catalogue { return cat.AllSelfHosted().WithCloudAt(url) })
	ctx := context.Background()
	consent := func(start func() (domain.ConsentStatus, error)) domain.ConsentStatus {
		t.Helper()
		return approveIn(t, e)(start())
	}
	draft := func(site string) domain.ConnectionDraft {
		return domain.ConnectionDraft{Provider: "jira_cloud", AuthMode: "oauth2", Label: "Jira by OAuth", WorkspaceIDs: []string{e.ws.ID},
			BaseURL: e.url + site, Config: map[string]string{"clientId": fakes.OAuthClientID, "redirectPort": freePort(t)},
			Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}}
	}

	st, err := e.svc.StartConsent(ctx, draft("/jira"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(st.AuthURL, "audience=api.atlassian.com") || !strings.Contains(st.AuthURL, "prompt=consent") {
		t.Fatalf("authorize URL lacks Atlassian's parameters: %s", st.AuthURL)
	}
	_ = e.svc.CancelConsent(ctx, st.ID)
	waitConsent(t, e, st.ID)

	st = consent(func() (domain.ConsentStatus, error) { return e.svc.StartConsent(ctx, draft("/jira")) })
	if st.State != domain.ConsentDone {
		t.Fatalf("consent %+v", st)
	}
	c, _ := e.svc.GetConnection(ctx, st.ConnectionID)
	if c.Status != domain.StatusActive || c.Config["cloudId"] != fakes.CloudID("/jira") || c.Identity != "oauth-user@example.com" {
		t.Fatalf("connection %+v", c)
	}
	if c, err = e.svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusActive {
		t.Fatalf("a check through the gateway: %+v %v", c, err)
	}

	// A site the consent did not grant is refused with the granted ones named.
	if st := consent(func() (domain.ConsentStatus, error) { return e.svc.StartConsent(ctx, draft("/jira-elsewhere")) }); st.State != domain.ConsentFailed ||
		!strings.Contains(st.Message, "did not grant this app access") || !strings.Contains(st.Message, "jira (") {
		t.Fatalf("ungranted site: %+v", st)
	}

	// The user reauthorizes but picks another site: nothing changes.
	before, _ := sec.Get(ctx, "oauth-token/"+c.ID)
	e.fake.OAuth.SetSites("/jira-other")
	if st := consent(func() (domain.ConsentStatus, error) {
		return e.svc.ReauthorizeConnection(ctx, c.ID, domain.ReauthorizeDraft{})
	}); st.State != domain.ConsentFailed ||
		!strings.Contains(st.Message, "no longer granted") || !strings.Contains(st.Message, "old token is kept") {
		t.Fatalf("reauthorization without the site: %+v", st)
	}
	if after, _ := sec.Get(ctx, "oauth-token/"+c.ID); after != before {
		t.Fatal("a failed reauthorization replaced the token")
	}
	// With the site granted again, reauthorization keeps the same site.
	e.fake.OAuth.SetSites("/jira-other", "/jira")
	if st := consent(func() (domain.ConsentStatus, error) {
		return e.svc.ReauthorizeConnection(ctx, c.ID, domain.ReauthorizeDraft{})
	}); st.State != domain.ConsentDone {
		t.Fatalf("reauthorization: %+v", st)
	}
	if c, _ = e.svc.GetConnection(ctx, c.ID); c.Config["cloudId"] != fakes.CloudID("/jira") || c.Status != domain.StatusActive {
		t.Fatalf("after reauthorization: %+v", c)
	}
}

// TestAzureDevOpsOAuthReauthorizesItsLinkedConnections connects Azure DevOps
// Boards through Microsoft Entra ID consent: Repos and Pipelines come with
// it and share its token, so reauthorizing Boards restores all three.
func TestAzureDevOpsOAuthReauthorizesItsLinkedConnections(t *testing.T) {
	cat, _ := providers.Load()
	e := newEnvWithURL(t, secrets.NewMemory(), func(url string) *providers.Catalogue { return cat.AllSelfHosted().WithCloudAt(url) })
	ctx := context.Background()
	approve := approveIn(t, e)
	st := approve(e.svc.StartConsent(ctx, domain.ConnectionDraft{Provider: "azure_devops_boards", AuthMode: "oauth2", Label: "Contoso", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/ado/contoso", Config: map[string]string{"clientId": fakes.OAuthClientID, "tenant": fakes.EntraTenant}, Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}}))
	if st.State != domain.ConsentDone {
		t.Fatalf("consent %+v", st)
	}
	statuses := func() map[string]domain.Status {
		all, _ := e.svc.ListConnections(ctx)
		out := map[string]domain.Status{}
		for _, c := range all {
			out[c.Provider] = c.Status
		}
		return out
	}
	want := func(s domain.Status) {
		t.Helper()
		got := statuses()
		for _, p := range []string{"azure_devops_boards", "azure_devops_repos", "azure_devops_pipelines"} {
			if got[p] != s {
				t.Fatalf("%s is %s, want %s (%v)", p, got[p], s, got)
			}
		}
	}
	want(domain.StatusActive)
	// The user revokes the app at Microsoft: every linked connection breaks.
	e.fake.OAuth.RevokeAll()
	all, _ := e.svc.ListConnections(ctx)
	for _, c := range all {
		_, _ = e.svc.CheckConnection(ctx, c.ID)
	}
	want(domain.StatusError)
	// Reauthorizing Boards restores Repos and Pipelines too.
	if st = approve(e.svc.ReauthorizeConnection(ctx, st.ConnectionID, domain.ReauthorizeDraft{})); st.State != domain.ConsentDone {
		t.Fatalf("reauthorize %+v", st)
	}
	want(domain.StatusActive)
	for _, c := range all {
		if c, err := e.svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusActive {
			t.Fatalf("%s after reauthorization: %+v %v", c.Provider, c, err)
		}
	}
}

// TestJiraDataCenterOAuth2ThroughAnHTTPSRedirect connects Jira Data Center
// by its own OAuth 2.0 provider, which only accepts a registered HTTPS
// redirect: the team's page forwards the browser, query and all, to the
// pinned loopback port. Jira refuses a refresh that does not repeat that
// redirect URI, so a forced refresh proves it is sent.
func TestJiraDataCenterOAuth2ThroughAnHTTPSRedirect(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	const relay = "https://relay.example.com/patchbay"
	port := freePort(t)
	draft := domain.ConnectionDraft{Provider: "jira_dc", AuthMode: "oauth2", Label: "Jira DC by OAuth", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/jiradc", Config: map[string]string{"clientId": fakes.OAuthClientID, "redirectPort": port},
		Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}}
	if _, err := e.svc.StartConsent(ctx, draft); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "HTTPS") {
		t.Fatalf("without a registered HTTPS redirect: %v", err)
	}
	draft.Config["redirectUri"] = relay
	st, err := e.svc.StartConsent(ctx, draft)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.AuthURL, e.url+"/jiradc/rest/oauth2/latest/authorize?") || st.RedirectURI != relay {
		t.Fatalf("start: %+v", st)
	}
	back, err := fakes.ConsentRedirect(st.AuthURL, "approve", nil)
	if err != nil || !strings.HasPrefix(back, relay+"?") {
		t.Fatalf("the provider redirected to %q (%v), want the registered page", back, err)
	}
	// The relay page forwards to the loopback listener.
	u, _ := url.Parse(back)
	resp, err := http.Get("http://127.0.0.1:" + port + "/?" + u.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st = waitConsent(t, e, st.ID); st.State != domain.ConsentDone {
		t.Fatalf("consent %+v", st)
	}
	c, _ := e.svc.GetConnection(ctx, st.ConnectionID)
	if c.Status != domain.StatusActive || c.Identity == "" {
		t.Fatalf("connection %+v", c)
	}
	if c, err = e.svc.RefreshCredential(ctx, c.ID); err != nil || c.Status != domain.StatusActive || e.fake.OAuth.Refreshes() != 1 {
		t.Fatalf("refresh: %+v %v (%d refreshes)", c, err, e.fake.OAuth.Refreshes())
	}
	if c, err = e.svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusActive {
		t.Fatalf("a check with the refreshed token: %+v %v", c, err)
	}
}

// TestGitLabOAuthRefreshSendsTheRedirectURI: GitLab's refresh request
// includes the authorization's redirect_uri (docs.gitlab.com/api/oauth2);
// the fake refuses a refresh without it.
func TestGitLabOAuthRefreshSendsTheRedirectURI(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	port := freePort(t)
	st := connectByConsent(t, e, domain.ConnectionDraft{Provider: "gitlab", AuthMode: "oauth2", Label: "GitLab by OAuth", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/gitlab", Config: map[string]string{"clientId": fakes.OAuthClientID, "redirectPort": port},
		Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}})
	c, err := e.svc.RefreshCredential(ctx, st.ConnectionID)
	if err != nil || c.Status != domain.StatusActive || e.fake.OAuth.Refreshes() != 1 {
		t.Fatalf("refresh: %+v %v (%d refreshes)", c, err, e.fake.OAuth.Refreshes())
	}
}
