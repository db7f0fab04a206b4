package providers_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
)

// TestEveryProviderAgainstFakes validates each provider's demo connection
// against the fakes in every documented way it can fail.
func TestEveryProviderAgainstFakes(t *testing.T) {
	fake := fakes.New()
	fake.HangFor = 5 * time.Second
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	const revoked = "revoked-credential-0000000001"
	fake.SetKey(revoked, false)
	cases := []struct {
		name   string
		secret func(good string) string
		want   domain.Class
	}{
		{"ok", func(g string) string { return g }, domain.ClassOK},
		{"unknown credential", func(string) string { return "wrong-credential-0000000001" }, domain.ClassInvalidCredentials},
		{"revoked credential", func(string) string { return revoked }, ""}, // per provider below
		{"rate limited", func(string) string { return fakes.MarkLimited + "-0000000001" }, domain.ClassRateLimited},
		{"outage", func(string) string { return fakes.MarkDown + "-0000000001" }, domain.ClassProviderDown},
		{"hung", func(string) string { return fakes.MarkHang + "-0000000001" }, domain.ClassNetwork},
	}
	for _, d := range fakes.Demos() {
		p, ok := cat.Provider(d.Provider)
		if !ok {
			t.Fatalf("demo provider %s not in catalogue", d.Provider)
		}
		m, ok := p.Mode(d.Mode)
		if !ok {
			t.Fatalf("demo mode %s/%s not in catalogue", d.Provider, d.Mode)
		}
		for _, tc := range cases {
			t.Run(d.Provider+"/"+tc.name, func(t *testing.T) {
				values := map[string]string{}
				for k, v := range d.Config {
					values[k] = v
				}
				for k, v := range d.Secrets {
					values[k] = tc.secret(strings.Split(v, "\n")[0])
				}
				v := providers.NewValidator()
				v.Timeout = 300 * time.Millisecond
				res := v.Validate(context.Background(), providers.Target{Provider: p, Mode: m, BaseURL: srv.URL + d.BasePath, Values: values})
				want := tc.want
				if want == "" { // a revoked token: Slack says so, Azure DevOps says the PAT expired, the others just refuse it
					want = domain.ClassInvalidCredentials
					switch d.Provider {
					case "slack":
						want = domain.ClassRevoked
					case "azure_devops_boards":
						want = domain.ClassExpired
					}
				}
				if res.Class != want {
					t.Fatalf("class %s (%s), want %s", res.Class, res.Message, want)
				}
				if want == domain.ClassOK && res.Identity == "" {
					t.Errorf("no identity read: %+v", res)
				}
				if want == domain.ClassRateLimited && res.RetryAt == nil {
					t.Error("rate limit without a retry time")
				}
				if want != domain.ClassOK && (res.Action == "" || len(res.Checks) == 0) {
					t.Errorf("no guidance: %+v", res)
				}
			})
		}
	}
}

func TestGitHubDetails(t *testing.T) {
	fake := fakes.New()
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	cat, _ := providers.Load()
	p, _ := cat.Provider("github")
	m, _ := p.Mode("pat")
	validate := func(tok string) domain.CheckResult {
		fake.SetKey(tok, true)
		return providers.NewValidator().Validate(context.Background(), providers.Target{Provider: p, Mode: m, BaseURL: srv.URL + "/github",
			Values: map[string]string{"email": "a@b.c", "token": tok}})
	}
	ok := validate(fakes.GitHubToken)
	if ok.Identity != "octo-bot-0001" || strings.Join(ok.Scopes, ",") != "repo,read:org,workflow" || ok.RateLimit == nil || *ok.RateLimit != 5000 || ok.RateRemaining == nil || ok.RateResetAt == nil {
		t.Fatalf("ok: %+v", ok)
	}
	exp := validate("ghp_" + fakes.MarkExpiry + "EXPIRINGexpiringEXPIRING0001")
	if exp.ExpiresAt == nil || time.Until(*exp.ExpiresAt) < 71*time.Hour {
		t.Fatalf("expiry not read: %+v", exp.ExpiresAt)
	}
	// GET /user answers 200 whatever the scopes; the catalogue's required
	// scopes are read from X-OAuth-Scopes.
	noscope := validate("ghp_" + fakes.MarkNoScope + "NOSCOPEnoscopeNOSCOPEnoscop01")
	if noscope.Class != domain.ClassInsufficientScope || noscope.HTTPStatus != 200 || strings.Join(noscope.MissingScopes, ",") != "repo" {
		t.Fatalf("missing scope not named: %+v", noscope)
	}
	// A secondary rate limit (403, remaining not 0) is a rate limit, not a
	// missing scope: the connection stays usable.
	for _, tok := range []string{"ghp_" + fakes.MarkSecondary + "SECONDARYsecondarySECOND01", "ghp_" + fakes.MarkSecondary + "noretrySECONDARYsecondar01"} {
		if sec := validate(tok); sec.Class != domain.ClassRateLimited || sec.RetryAt == nil || sec.Class.Permanent() {
			t.Fatalf("secondary rate limit %s: %+v", tok, sec)
		}
	}
	// Fine-grained PATs report no scopes: nothing to judge them by.
	if fg := validate("github_pat_11ABCDEFG0demoFineGrained_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"); fg.Class != domain.ClassOK {
		t.Fatalf("fine-grained PAT: %+v", fg)
	}
	// GitHub Actions needs workflow too.
	pa, _ := cat.Provider("github_actions")
	ma, _ := pa.Mode("pat")
	tok := "ghp_" + fakes.MarkNoScope + "NOSCOPEnoscopeNOSCOPEnoscop02"
	fake.SetKey(tok, true)
	act := providers.NewValidator().Validate(context.Background(), providers.Target{Provider: pa, Mode: ma, BaseURL: srv.URL + "/github", Values: map[string]string{"email": "a@b.c", "token": tok}})
	if act.Class != domain.ClassInsufficientScope || strings.Join(act.MissingScopes, ",") != "repo,workflow" {
		t.Fatalf("actions missing scopes: %+v", act)
	}
}

func TestFormatWarnings(t *testing.T) {
	cat, _ := providers.Load()
	tests := []struct {
		provider, mode, key, value string
		warn                       bool
	}{
		{"github", "pat", "token", fakes.GitHubToken, false},
		{"github", "pat", "token", fakes.GitLabToken, true},                                                                  // a GitLab token pasted into GitHub
		{"github", "pat", "token", "ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498", true}, // a refresh token
		{"github", "pat", "token", "ghs_16C7e42F292c6912E7710c838347Ae178B4a", true},                                         // an installation token
		{"gitlab", "pat", "token", fakes.GitHubToken, true},
		{"slack", "token", "token", fakes.SlackToken, false},
		{"slack", "token", "token", "xoxe.xoxb-1-MS0yLTIyMjI0MTU1NzU1MC0xMjM0NTY3ODkwMTIzLTEyMzQ1Njc4OTAxMjM", false}, // a rotating access token
		{"slack", "token", "token", "xoxe-1-My0xLTIyMjI0MTU1NzU1MC0xMjM0NTY3ODkwMTIzLTEyMzQ1Njc4OTAxMjM", true},       // a refresh token (tooling.tokens.rotate)
		{"harness", "api_key", "apiKey", "not-a-harness-key", true},
		{"sonarqube", "token", "token", "sqa_0123", true},
	}
	for _, tt := range tests {
		p, _ := cat.Provider(tt.provider)
		m, _ := p.Mode(tt.mode)
		values := map[string]string{tt.key: tt.value, "email": "a@b.c", "username": "u"}
		_, warnings, err := providers.Normalize(m, values)
		if err != nil {
			t.Fatalf("%s: a format mismatch must not refuse: %v", tt.provider, err)
		}
		if (len(warnings) > 0) != tt.warn {
			t.Errorf("%s %q: warnings %v, want warn=%v", tt.provider, tt.value, warnings, tt.warn)
		}
	}
}

func TestCatalogueCoversEveryProvider(t *testing.T) {
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"generic_api_key", "jira_cloud", "jira_dc", "github", "github_actions", "bitbucket", "azure_devops_boards",
		"azure_devops_repos", "azure_devops_pipelines", "harness", "gitlab", "sonarqube", "slack"}
	for _, id := range want {
		p, ok := cat.Provider(id)
		if !ok {
			t.Errorf("%s missing", id)
			continue
		}
		if p.CloudBaseURL != "" && p.StatusPageURL == "" {
			t.Errorf("%s: a cloud provider needs a status page", id)
		}
	}
	for _, pm := range [][2]string{{"jira_cloud", "connect_app"}, {"github", "github_app"}} {
		p, _ := cat.Provider(pm[0])
		if m, ok := p.Mode(pm[1]); !ok || m.Reauth || m.ReauthNote == "" {
			t.Errorf("%s/%s must be listed as not re-authenticatable with a note", pm[0], pm[1])
		}
	}
}

// ChooseTokenAuth follows a server's token_endpoint_auth_methods_supported:
// Basic when listed or when the list is absent (RFC 8414 section 2's
// default; RFC 6749 section 2.3.1), else the body, else the mode's own.
func TestChooseTokenAuth(t *testing.T) {
	for _, tt := range []struct {
		supported []string
		want      string
	}{
		{nil, providers.TokenAuthBasic},
		{[]string{"client_secret_post", "client_secret_basic"}, providers.TokenAuthBasic},
		{[]string{"client_secret_post", "private_key_jwt"}, providers.TokenAuthPost},
		{[]string{"private_key_jwt"}, "fallback"},
	} {
		if got := providers.ChooseTokenAuth(tt.supported, "fallback"); got != tt.want {
			t.Errorf("providers.ChooseTokenAuth(%v) = %q, want %q", tt.supported, got, tt.want)
		}
	}
	o := &providers.OAuthSpec{TokenAuth: providers.TokenAuthBasic, Discovery: true}
	if got := o.TokenAuthMethod(map[string]string{providers.ConfigTokenAuth: providers.TokenAuthPost}); got != providers.TokenAuthPost {
		t.Errorf("a discovered method is not used: %q", got)
	}
	if got := o.TokenAuthMethod(map[string]string{providers.ConfigTokenAuth: "private_key_jwt"}); got != providers.TokenAuthBasic {
		t.Errorf("an unsupported recorded method replaces the mode's: %q", got)
	}
	o.Discovery = false
	if got := o.TokenAuthMethod(map[string]string{providers.ConfigTokenAuth: providers.TokenAuthPost}); got != providers.TokenAuthBasic {
		t.Errorf("a fixed vendor's method is overridden by config: %q", got)
	}
}
