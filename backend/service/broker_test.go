package service_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

// patchbay token while the window and a second process use the same
// expired OAuth token: 12 hand-outs and 4 checks here, 8 hand-outs in a
// second Service on the same data (another process: its own single-flight,
// the shared lock file) make exactly one refresh at the fake OAuth server,
// which detects refresh-token reuse (RFC 9700 §4.14.2) and would revoke the
// grant; every caller gets the one new token.
func TestHandOutTokenRefreshesOnceAcrossCallersAndProcesses(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	e.fake.OAuth.AccessTTL = 120 * time.Second
	c := connectOAuth(t, e)
	first, err := e.svc.HandOutToken(ctx, c.Label)
	if err != nil || first.Token == "" || first.Type != "oauth2" || e.fake.OAuth.Refreshes() != 0 {
		t.Fatalf("fresh token: %+v %v (%d refreshes)", first, err, e.fake.OAuth.Refreshes())
	}
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	other := service.New(service.Options{Store: e.store, Secrets: e.secrets, Catalogue: cat, Now: e.clock.Now, LockDir: e.lockDir, Actor: "serve"})
	e.clock.Advance(3 * time.Minute) // expired

	var (
		mu     sync.Mutex
		tokens = map[string]int{}
		wg     sync.WaitGroup
	)
	hand := func(svc *service.Service, ref string) {
		defer wg.Done()
		got, err := svc.HandOutToken(ctx, ref)
		if err != nil {
			t.Errorf("hand out: %v", err)
			return
		}
		mu.Lock()
		tokens[got.Token]++
		mu.Unlock()
	}
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go hand(e.svc, c.ID)
	}
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go hand(other, c.Label)
	}
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, err := e.svc.CheckConnection(ctx, c.ID); err != nil || got.Status != domain.StatusActive {
				t.Errorf("check: %v %s %+v", err, got.Status, got.LastError)
			}
		}()
	}
	wg.Wait()
	if n := e.fake.OAuth.Refreshes(); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	if len(tokens) != 1 || tokens[first.Token] != 0 {
		t.Fatalf("callers got %d different tokens (or the expired one): %v", len(tokens), len(tokens))
	}
	got, _ := e.svc.GetConnection(ctx, c.ID)
	if got.Status != domain.StatusActive {
		t.Fatalf("after the hand-outs: %s %+v", got.Status, got.LastError)
	}
	for tok := range tokens {
		assertNotInFiles(t, e.dbPath, tok)
	}
	assertNotInFiles(t, e.dbPath, first.Token)
}

// A connection that needs reauthorization hands out nothing: the error is
// the seed's "Reconnection needed." with what to do, and the failed
// hand-out is in the audit log.
func TestHandOutTokenOfABrokenConnection(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	const key = "broker-key-000000000001"
	e.fake.SetKey(key, true)
	c, err := e.svc.CreateConnection(ctx, e.draft(key, fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.HandOutToken(ctx, "demo api") // labels compare case-insensitively
	if err != nil || got.Token != key || got.Type != "api_key" || got.ConnectionID != c.ID {
		t.Fatalf("healthy: %+v %v", got, err)
	}
	e.fake.SetKey(key, false)
	if _, err := e.svc.CheckConnection(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.HandOutToken(ctx, c.ID)
	msg := domain.Public(err).Message
	if domain.ErrorCode(err) != domain.EValidation || !strings.HasPrefix(msg, "Reconnection needed.") || !strings.Contains(msg, "Re-Authenticate") {
		t.Fatalf("broken: %v (%s)", err, msg)
	}
	if _, err := e.svc.HandOutToken(ctx, "nope"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown: %v", err)
	}
	d := e.draft(key, fakes.GenericValidate)
	e.fake.SetKey(key, true)
	if _, err := e.svc.CreateConnection(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.HandOutToken(ctx, "Demo API"); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(domain.Public(err).Message, "name one by its id") {
		t.Fatalf("ambiguous label: %v", err)
	}
	log, err := e.svc.ListAudit(ctx, domain.AuditFilter{ConnectionID: c.ID, Action: domain.AuditTokenHandedOut})
	if err != nil || len(log) != 2 || log[0].Outcome != domain.OutcomeFailed || log[1].Outcome != domain.OutcomeOK || log[0].Actor != "window" {
		t.Fatalf("audit: %+v %v", log, err)
	}
	assertNotInFiles(t, e.dbPath, key)
}

// A pool hands out the working PAT with the most rate limit left.
func TestHandOutTokenOfAPool(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "github", AuthMode: "pat", Label: "Pool", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/github", Config: map[string]string{"email": "ci@example.com"}, Secrets: map[string]string{"token": fakes.GitHubToken + "\n" + fakes.GitHubToken2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Credentials) != 2 {
		t.Fatalf("credentials: %+v", c.Credentials)
	}
	want := []string{fakes.GitHubToken, fakes.GitHubToken2}[service.PickCredential(c.Credentials)]
	got, err := e.svc.HandOutToken(ctx, c.ID)
	if err != nil || got.Token != want || got.Username != "x-access-token" {
		t.Fatalf("pool: %+v %v, want %s…", got, err, want[:8])
	}
	e.fake.SetKey(want, false)
	if _, err := e.svc.CheckConnection(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	other := fakes.GitHubToken
	if want == other {
		other = fakes.GitHubToken2
	}
	if got, err := e.svc.HandOutToken(ctx, c.ID); err != nil || got.Token != other {
		t.Fatalf("after one PAT was revoked: %v (got the revoked one: %v)", err, got.Token == want)
	}
}

// Each forge's default git scope and the username git sends with its token
// (the catalogue's gitUsername; the vendors' documented HTTPS usernames).
func TestGitScopesAndUsernames(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	cat, _ := providers.Load()
	for _, tc := range []struct {
		provider, mode, base, scope, user string
	}{
		{"github", "pat", "https://api.github.com", "github.com", "x-access-token"},
		{"github", "pat", "https://ghe.example.com/api/v3", "ghe.example.com", "x-access-token"},
		{"github_actions", "github_app", "https://api.github.com", "github.com", "x-access-token"},
		{"gitlab", "pat", "https://gitlab.com", "gitlab.com", "oauth2"},
		{"gitlab", "oauth2", "https://Git.Example.com/gitlab/", "git.example.com/gitlab", "oauth2"},
		{"bitbucket", "oauth2", "https://api.bitbucket.org", "bitbucket.org", "x-token-auth"},
		{"bitbucket", "api_token", "https://api.bitbucket.org", "bitbucket.org", "x-bitbucket-api-token-auth"},
		{"azure_devops_repos", "pat", "https://dev.azure.com/acme", "dev.azure.com/acme", "patchbay"},
		{"generic_api_key", "api_key", "https://api.example.com", "", "x-access-token"},
		{"slack", "token", "https://slack.com", "", ""},
		{"jira_cloud", "api_token", "https://acme.atlassian.net", "", ""},
	} {
		c := domain.Connection{Provider: tc.provider, AuthMode: tc.mode, BaseURL: tc.base, Config: map[string]string{}}
		if got := e.svc.GitScope(c); got != tc.scope {
			t.Errorf("%s/%s at %s: scope %q, want %q", tc.provider, tc.mode, tc.base, got, tc.scope)
		}
		p, _ := cat.Provider(tc.provider)
		m, _ := p.Mode(tc.mode)
		if m.GitUsername != tc.user {
			t.Errorf("%s/%s: git username %q, want %q", tc.provider, tc.mode, m.GitUsername, tc.user)
		}
	}
	c := domain.Connection{Provider: "generic_api_key", AuthMode: "api_key", Config: map[string]string{service.ConfigGitScope: "https://Git.Example.com/team/"}}
	if got := e.svc.GitScope(c); got != "git.example.com/team" {
		t.Errorf("configured scope: %q", got)
	}
}

// The longest path prefix wins; plain http only to this machine.
func TestGitConnectionMatching(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	mk := func(label, scope string) domain.Connection {
		d := e.draft("broker-match-key-00000001", fakes.GenericValidate)
		d.Label = label
		c, err := e.svc.CreateConnection(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err = e.svc.SetGitSettings(ctx, c.ID, domain.GitSettings{Scope: scope}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	e.fake.SetKey("broker-match-key-00000001", true)
	host := mk("Host", "git.example.com")
	team := mk("Team", "git.example.com/team")
	local := mk("Local", "127.0.0.1:8080")
	for _, tc := range []struct {
		req  service.GitRequest
		want string
	}{
		{service.GitRequest{Protocol: "https", Host: "git.example.com", Path: "team/x.git"}, team.ID},
		{service.GitRequest{Protocol: "https", Host: "GIT.example.com", Path: "teamless/x.git"}, host.ID},
		{service.GitRequest{Protocol: "https", Host: "git.example.com"}, host.ID},
		{service.GitRequest{Protocol: "http", Host: "git.example.com", Path: "team/x.git"}, ""},
		{service.GitRequest{Protocol: "http", Host: "127.0.0.1:8080", Path: "x.git"}, local.ID},
		{service.GitRequest{Protocol: "https", Host: "other.example.com"}, ""},
	} {
		c, ok, err := e.svc.GitConnection(ctx, tc.req)
		if err != nil || ok != (tc.want != "") || c.ID != tc.want {
			t.Errorf("%+v: %s %v %v, want %q", tc.req, c.Label, ok, err, tc.want)
		}
	}
	if _, err := e.svc.SetGitSettings(ctx, team.ID, domain.GitSettings{Scope: "git.example.com/a b"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("a scope with a space: %v", err)
	}
	got, err := e.svc.SetGitSettings(ctx, team.ID, domain.GitSettings{Username: "deploy"})
	if err != nil || got.Scope != "" || got.EffectiveScope != "" || got.Username != "deploy" || got.DefaultUsername != "x-access-token" {
		t.Errorf("clear scope, set username: %+v %v", got, err)
	}
	if c, _ := e.svc.GetConnection(ctx, team.ID); c.Config[service.ConfigGitScope] != "" || c.Config[service.ConfigGitUsername] != "deploy" || c.Config["headerName"] != fakes.GenericHeader {
		t.Errorf("config: %+v", c.Config)
	}
}

// A GitHub App connection hands out a minted installation token (ghs_…),
// never the app's private key.
func TestHandOutTokenOfAGitHubApp(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "github", AuthMode: "github_app", Label: "Octo App", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/github", Config: map[string]string{"appId": fakes.GitHubAppID, "installationId": fakes.GitHubInstallationID},
		Secrets: map[string]string{"privateKey": fakes.GitHubAppPrivateKey}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.HandOutToken(ctx, c.ID)
	if err != nil || !strings.HasPrefix(got.Token, "ghs_") || strings.Contains(got.Token, "PRIVATE KEY") || got.Username != "x-access-token" {
		t.Fatalf("GitHub App: %v, token prefix %.4q", err, got.Token)
	}
}
