package providers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
)

// vendorEnv is a fake server and the catalogue.
func vendorEnv(t *testing.T) (*fakes.Server, string, *providers.Catalogue) {
	t.Helper()
	fake := fakes.New()
	fake.HangFor = 5 * time.Second
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	return fake, srv.URL, cat
}

func validateMode(t *testing.T, cat *providers.Catalogue, provider, mode, base string, values map[string]string) domain.CheckResult {
	t.Helper()
	p, _ := cat.Provider(provider)
	m, ok := p.Mode(mode)
	if !ok {
		t.Fatalf("%s has no mode %s", provider, mode)
	}
	v := providers.NewValidator()
	v.Timeout = 2 * time.Second
	return v.Validate(context.Background(), providers.Target{Provider: p, Mode: m, BaseURL: base, Values: values})
}

// TestSonarQubeEveryVersion: the token goes as the Basic user name, which
// SonarQube 9.9 LTS (no Bearer before 10.0) and 10.x both read; identity
// comes from api/users/current, so a 9.9 server that allows anonymous
// access cannot pass a wrong token as "valid".
func TestSonarQubeEveryVersion(t *testing.T) {
	_, url, cat := vendorEnv(t)
	for _, base := range []string{"/sonar", "/sonar99"} {
		t.Run(base, func(t *testing.T) {
			good := validateMode(t, cat, "sonarqube", "token", url+base, map[string]string{"username": "ci-bot", "token": fakes.SonarToken})
			if good.Class != domain.ClassOK || good.Identity != "ci-bot" {
				t.Fatalf("valid token: %s %q identity %q", good.Class, good.Message, good.Identity)
			}
			bad := validateMode(t, cat, "sonarqube", "token", url+base, map[string]string{"username": "ci-bot", "token": "squ_0000000000000000000000000000000000000bad"})
			if bad.Class != domain.ClassInvalidCredentials {
				t.Fatalf("wrong token: %s %q", bad.Class, bad.Message)
			}
		})
	}
	// A token with an expiry: SonarQube says when in
	// SonarQube-Authentication-Token-Expiration, read as the token's expiry.
	fake, url, cat := vendorEnv(t)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	fake.Now = func() time.Time { return now }
	tok := "squ_" + fakes.MarkExpiry + "0123456789abcdef0123456789abcdef"
	fake.SetKey(tok, true)
	exp := validateMode(t, cat, "sonarqube", "token", url+"/sonar", map[string]string{"username": "ci-bot", "token": tok})
	if exp.Class != domain.ClassOK || exp.ExpiresAt == nil || !exp.ExpiresAt.Equal(now.Add(72*time.Hour)) {
		t.Fatalf("expiring token: %s %q expires %v, want %v", exp.Class, exp.Message, exp.ExpiresAt, now.Add(72*time.Hour))
	}
}

// TestAzureDevOpsAnonymousIsNotAuthenticated: an organization with public
// projects answers a bogus PAT with HTTP 200 as "Anonymous"
// (System:PublicAccess); that is not an active connection.
func TestAzureDevOpsAnonymousIsNotAuthenticated(t *testing.T) {
	_, url, cat := vendorEnv(t)
	for _, p := range []string{"azure_devops_boards", "azure_devops_repos", "azure_devops_pipelines"} {
		bogus := validateMode(t, cat, p, "pat", url+"/ado/fabrikam-public", map[string]string{"email": "ops@example.com", "token": "bogus-pat-000000000000000000000000000000000000000001"})
		if bogus.Class != domain.ClassInvalidCredentials || bogus.Identity != "" {
			t.Fatalf("%s bogus PAT on a public organization: %s %q %q", p, bogus.Class, bogus.Message, bogus.Identity)
		}
		good := validateMode(t, cat, p, "pat", url+"/ado/fabrikam-public", map[string]string{"email": "ops@example.com", "token": fakes.AzureToken})
		if good.Class != domain.ClassOK || good.Identity != "Ops Team" {
			t.Fatalf("%s valid PAT: %s %q %q", p, good.Class, good.Message, good.Identity)
		}
	}
}

// TestSlackOAuthModeAndPosting: the OAuth mode reads Slack's HTTP 200
// ok:false answers like the token mode (a revoked token is revoked, not a
// wrong base URL), asks for chat:write, and a post reports what Slack said:
// channel problems are not credential problems, and a failed post is never
// "Posted".
func TestSlackOAuthModeAndPosting(t *testing.T) {
	fake, url, cat := vendorEnv(t)
	const revoked = "xoxe.xoxb-1-revokedREVOKEDrevoked"
	fake.SetKey(revoked, false)
	fake.SetKey("xoxb-"+fakes.MarkNoScope+"-1", true)
	p, _ := cat.Provider("slack")
	oauthMode, _ := p.Mode("oauth2")
	tokenMode, _ := p.Mode("token")
	if got := strings.Join(oauthMode.OAuth.ScopeParam(oauthMode.OAuth.Scopes), " "); !strings.Contains(got, "chat:write") || strings.Contains(got, " ") {
		t.Fatalf("Slack OAuth scope parameter %q: want a comma-separated list with chat:write", got)
	}
	if res := validateMode(t, cat, "slack", "oauth2", url+"/slack", map[string]string{"accessToken": revoked}); res.Class != domain.ClassRevoked {
		t.Fatalf("revoked OAuth token: %s %q", res.Class, res.Message)
	}
	if res := validateMode(t, cat, "slack", "oauth2", url+"/slack", map[string]string{"accessToken": fakes.SlackToken}); res.Class != domain.ClassOK || res.Identity != "patchbay-bot" {
		t.Fatalf("valid OAuth token: %s %q", res.Class, res.Message)
	}
	post := func(m *providers.Mode, key, tok, channel string) domain.CheckResult {
		return providers.NewValidator().Post(context.Background(), providers.Target{Provider: p, Mode: m, BaseURL: url + "/slack", Values: map[string]string{key: tok}}, *p.Post, channel, "hello")
	}
	for _, m := range []struct {
		mode *providers.Mode
		key  string
	}{{oauthMode, "accessToken"}, {tokenMode, "token"}} {
		cases := []struct {
			tok, channel string
			want         domain.Class
			msg          string
		}{
			{fakes.SlackToken, "general", domain.ClassOK, "Posted the summary"},
			{fakes.SlackToken, fakes.SlackChannelNotMember, domain.ClassMisconfigured, "not_in_channel"},
			{fakes.SlackToken, fakes.SlackChannelArchived, domain.ClassMisconfigured, "is_archived"},
			{fakes.SlackToken, "no-such-channel", domain.ClassMisconfigured, "channel_not_found"},
			{revoked, "general", domain.ClassRevoked, "revoked"},
			{"xoxb-" + fakes.MarkNoScope + "-1", "general", domain.ClassInsufficientScope, "chat:write"},
		}
		for _, c := range cases {
			res := post(m.mode, m.key, c.tok, c.channel)
			if res.Class != c.want || !strings.Contains(res.Message, c.msg) || (c.want != domain.ClassOK && strings.Contains(res.Message, "Posted")) {
				t.Errorf("%s post to %s with %s: %s %q, want %s %q", m.mode.ID, c.channel, c.tok, res.Class, res.Message, c.want, c.msg)
			}
		}
	}
}

// TestHarnessSendsItsAccount: currentUser takes accountIdentifier (required
// in Harness's API spec), read from the API key when not typed.
func TestHarnessSendsItsAccount(t *testing.T) {
	_, url, cat := vendorEnv(t)
	for _, values := range []map[string]string{
		{"email": "ops@example.com", "apiKey": fakes.HarnessKey},
		{"email": "ops@example.com", "apiKey": fakes.HarnessKey, "accountId": "demoAccount"},
	} {
		if res := validateMode(t, cat, "harness", "api_key", url+"/harness", values); res.Class != domain.ClassOK || res.Identity != "ops@example.com" {
			t.Fatalf("%v: %s %q", values, res.Class, res.Message)
		}
	}
}

// TestJiraConnectJWT: the Connect app mode signs each request (HS256 JWT
// with the request's query-string hash) instead of sending the shared
// secret, which must never leave Patchbay.
func TestJiraConnectJWT(t *testing.T) {
	fake, url, cat := vendorEnv(t)
	_ = fake
	good := validateMode(t, cat, "jira_cloud", "connect_app", url+"/jira", map[string]string{"appKey": fakes.JiraConnectAppKey, "sharedSecret": fakes.JiraConnectSharedSecret})
	if good.Class != domain.ClassOK || good.Identity != "Patchbay Connect app" {
		t.Fatalf("valid installation: %s %q %q", good.Class, good.Message, good.Identity)
	}
	bad := validateMode(t, cat, "jira_cloud", "connect_app", url+"/jira", map[string]string{"appKey": fakes.JiraConnectAppKey, "sharedSecret": "another-secret"})
	if bad.Class != domain.ClassInvalidCredentials {
		t.Fatalf("wrong secret: %s %q", bad.Class, bad.Message)
	}
	// The inventory request has a query string: its hash must match too.
	p, _ := cat.Provider("jira_cloud")
	m, _ := p.Mode("connect_app")
	names, res := providers.NewValidator().Inventory(context.Background(), providers.Target{Provider: p, Mode: m, BaseURL: url + "/jira",
		Values: map[string]string{"appKey": fakes.JiraConnectAppKey, "sharedSecret": fakes.JiraConnectSharedSecret}}, *p.Inventory)
	if !res.OK() || len(names) == 0 {
		t.Fatalf("inventory: %v %s %q", names, res.Class, res.Message)
	}
}

// Azure DevOps answers a PAT it does not know with 401 and a Basic
// challenge, and an expired one with 401 and a JSON message saying it
// expired (the common cases; the 203 sign-in page is the rare one): the
// fake does so, and Patchbay reads them as invalid and expired.
func TestAzureDevOpsBadPATs(t *testing.T) {
	fake, url, cat := vendorEnv(t)
	const expired = "expiredpat0000000000000000000000000000000000000001"
	fake.SetKey(expired, false) // a PAT that was valid and has expired
	for _, tt := range []struct {
		token string
		want  domain.Class
	}{{"unknownpat00000000000000000000000000000000000000001", domain.ClassInvalidCredentials}, {expired, domain.ClassExpired}} {
		res := validateMode(t, cat, "azure_devops_boards", "pat", url+"/ado/contoso", map[string]string{"email": "ops@example.com", "token": tt.token})
		if res.Class != tt.want || res.HTTPStatus != http.StatusUnauthorized {
			t.Fatalf("%s: %s (HTTP %d) %q, want %s from a 401", tt.token, res.Class, res.HTTPStatus, res.Message, tt.want)
		}
	}
}

// A Bitbucket API token without read:user:bitbucket is told which scope it
// lacks: the fake answers /2.0/user with Bitbucket's 403 error object naming
// the required scope, and the check names it.
func TestBitbucketNamesTheMissingScope(t *testing.T) {
	fake, url, cat := vendorEnv(t)
	tok := "ATATT3xFfGF0" + fakes.MarkNoScope + "BitbucketToken=0A1B2C3D"
	fake.SetKey(tok, true)
	res := validateMode(t, cat, "bitbucket", "api_token", url+"/bitbucket", map[string]string{"email": "ops@example.com", "apiToken": tok})
	if res.Class != domain.ClassInsufficientScope || strings.Join(res.MissingScopes, ",") != "read:user:bitbucket" {
		t.Fatalf("token without read:user:bitbucket: %s %q missing %v", res.Class, res.Message, res.MissingScopes)
	}
}

// Jira Cloud answers a rate-limited request with 429, Retry-After and
// X-RateLimit-Reset as yyyy-MM-ddTHH:mmZ, without seconds
// (developer.atlassian.com/cloud/jira/platform/rate-limiting): the fake
// does so, and the check reads when the limit resets.
func TestJiraRateLimitResetFromTheFake(t *testing.T) {
	fake, url, cat := vendorEnv(t)
	now := time.Date(2026, 6, 1, 12, 0, 20, 0, time.UTC)
	fake.Now = func() time.Time { return now }
	res := validateMode(t, cat, "jira_cloud", "api_token", url+"/jira", map[string]string{"email": "ops@example.com", "apiToken": fakes.MarkLimited + "-0000000001"})
	if want := time.Date(2026, 6, 1, 12, 2, 0, 0, time.UTC); res.Class != domain.ClassRateLimited || res.RateResetAt == nil || !res.RateResetAt.Equal(want) {
		t.Fatalf("Jira 429: %s %q reset %v, want %v", res.Class, res.Message, res.RateResetAt, want)
	}
}
