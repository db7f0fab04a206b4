package providers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/providers"
)

// Endpoint URLs are kept as typed or discovered: a server routes
// "/o/userinfo/" and "/o/userinfo" differently (Django answers 301 for the
// second), paths are case-sensitive and a query may be part of the endpoint.
func TestCheckEndpointURLKeepsShape(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Django-style slash endpoint (django-oauth-toolkit /o/token/)", "http://127.0.0.1:8000/o/token/", "http://127.0.0.1:8000/o/token/"},
		{"Django userinfo", "https://id.example.com/o/userinfo/", "https://id.example.com/o/userinfo/"},
		{"Keycloak token endpoint", "https://kc.example.com/realms/Acme/protocol/openid-connect/token", "https://kc.example.com/realms/Acme/protocol/openid-connect/token"},
		{"Azure v2 token endpoint", "https://login.microsoftonline.com/7f1c2d/oauth2/v2.0/token", "https://login.microsoftonline.com/7f1c2d/oauth2/v2.0/token"},
		{"GitLab token endpoint", "https://gitlab.example.com/oauth/token", "https://gitlab.example.com/oauth/token"},
		{"query kept", "https://id.example.com/authorize?tenant=a&x=1", "https://id.example.com/authorize?tenant=a&x=1"},
		{"spaces around trimmed", "  https://id.example.com/o/token/ ", "https://id.example.com/o/token/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := providers.CheckEndpointURL("tokenUrl", tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("CheckEndpointURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []struct{ in, errHas string }{
		{"ftp://id.example.com/token", "not supported"},
		{"https://u:p@id.example.com/token", "user name or password"},
		{"id.example.com/token", "no scheme"},
	} {
		if _, err := providers.CheckEndpointURL("tokenUrl", bad.in); err == nil || !strings.Contains(err.Error(), bad.errHas) || domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("CheckEndpointURL(%q) = %v, want an error with %q", bad.in, err, bad.errHas)
		}
	}
}

// Base URLs are still normalised; a path joined to a base keeps its own
// trailing slash.
func TestJoinURLKeepsThePathsSlash(t *testing.T) {
	tests := []struct{ base, ref, want string }{
		{"https://api.example.com/", "/rest/api/3/myself", "https://api.example.com/rest/api/3/myself"},
		{"https://api.example.com", "/o/userinfo/", "https://api.example.com/o/userinfo/"},
		{"https://api.example.com/v1/", "me/", "https://api.example.com/v1/me/"},
		{"", "http://127.0.0.1:9/o/userinfo/", "http://127.0.0.1:9/o/userinfo/"},
		{"https://ignored.example.com", "https://kc.example.com/realms/X/protocol/openid-connect/userinfo", "https://kc.example.com/realms/X/protocol/openid-connect/userinfo"},
		{"https://api.example.com/", "", "https://api.example.com"},
	}
	for _, tt := range tests {
		got, err := providers.JoinURL("validationUrl", tt.base, tt.ref)
		if err != nil || got != tt.want {
			t.Errorf("JoinURL(%q, %q) = %q, %v; want %q", tt.base, tt.ref, got, err, tt.want)
		}
	}
	if got, _ := providers.CheckBaseURL("baseUrl", "https://api.example.com/v1/", false); got != "https://api.example.com/v1" {
		t.Errorf("base URL not normalised: %q", got)
	}
}

// OpenID Connect Core 1.0 section 5.3.2: the userinfo response always
// contains "sub"; every other claim is optional. The generic OAuth mode's
// identity falls back from email to preferred_username, name, then sub.
func TestOIDCUserinfoIdentityFallbacks(t *testing.T) {
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cat.Provider("generic_oauth2")
	m, _ := p.Mode("oauth2")
	tests := []struct{ body, want string }{
		{`{"sub":"1"}`, "1"},
		{`{"sub":"1","name":"Ada Lovelace"}`, "Ada Lovelace"},
		{`{"sub":"1","name":"Ada","preferred_username":"ada"}`, "ada"},
		{`{"sub":"1","preferred_username":"ada","email":"ada@example.com"}`, "ada@example.com"},
		{`{"sub":"1","email":""}`, "1"},
	}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: 200, Header: http.Header{}}
		res := providers.Classify(resp, []byte(tt.body), m.Validate, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		if res.Class != domain.ClassOK || res.Identity != tt.want {
			t.Errorf("%s: %s %q (%s), want ok %q", tt.body, res.Class, res.Identity, res.Message, tt.want)
		}
	}
	res := providers.Classify(&http.Response{StatusCode: 200, Header: http.Header{}}, []byte(`{"unrelated":true}`), m.Validate, time.Time{})
	if res.Class != domain.ClassMisconfigured {
		t.Errorf("an answer without any identity claim: %s", res.Class)
	}
}

// A validation GET redirected on the same origin is followed (at most 3
// times, credentials kept) and the final URL is suggested; a redirect to
// another origin is never followed, so the credential never reaches it.
func TestValidationRedirects(t *testing.T) {
	var foreignHits atomic.Int32
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHits.Add(1)
		_, _ = w.Write([]byte(`{"sub":"stolen"}`))
	}))
	defer foreign.Close()
	// Django's APPEND_SLASH answers /o/userinfo with 301 to /o/userinfo/.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/o/userinfo":
			http.Redirect(w, r, "/o/userinfo/", http.StatusMovedPermanently)
		case "/o/userinfo/":
			if r.Header.Get("Authorization") != "Bearer tok" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			_, _ = w.Write([]byte(`{"sub":"1"}`))
		case "/away":
			http.Redirect(w, r, foreign.URL+"/o/userinfo/", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusTemporaryRedirect)
		}
	}))
	defer srv.Close()
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cat.Provider("generic_oauth2")
	m, _ := p.Mode("oauth2")
	check := func(path string) domain.CheckResult {
		return providers.NewValidator().Validate(context.Background(), providers.Target{Provider: p, Mode: m,
			Values: map[string]string{"userinfoUrl": srv.URL + path, "accessToken": "tok"}})
	}
	if res := check("/o/userinfo"); res.Class != domain.ClassOK || res.Identity != "1" || !strings.Contains(res.Message, srv.URL+"/o/userinfo/") {
		t.Fatalf("same-origin redirect: %s %q %q", res.Class, res.Identity, res.Message)
	}
	if res := check("/away"); res.Class != domain.ClassMisconfigured || !strings.Contains(res.Message, "HTTP 302") || foreignHits.Load() != 0 {
		t.Fatalf("cross-origin redirect: %s %q, foreign hits %d", res.Class, res.Message, foreignHits.Load())
	}
	if res := check("/loop"); res.Class != domain.ClassMisconfigured || !strings.Contains(res.Message, "HTTP 307") {
		t.Fatalf("redirect loop: %s %q", res.Class, res.Message)
	}
}

// TestEntraTenantEndpoints: Azure DevOps by Entra ID uses the tenant the
// user typed (single-tenant apps are refused on /common, AADSTS50194);
// connections made before the Tenant field existed keep the /common they
// were created with.
func TestEntraTenantEndpoints(t *testing.T) {
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"azure_devops_boards", "azure_devops_repos", "azure_devops_pipelines"} {
		p, _ := cat.Provider(id)
		m, _ := p.Mode("oauth2")
		auth, tok := m.OAuthURLs(p.CloudBaseURL, map[string]string{"tenant": "contoso.onmicrosoft.com"})
		if auth != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize" || tok != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token" {
			t.Fatalf("%s: %s %s", id, auth, tok)
		}
		if _, tok := m.OAuthURLs(p.CloudBaseURL, map[string]string{}); tok != "https://login.microsoftonline.com/common/oauth2/v2.0/token" {
			t.Fatalf("%s legacy: %s", id, tok)
		}
		if _, _, err := providers.Normalize(m, map[string]string{"clientId": "x", "clientSecret": "y"}); err == nil {
			t.Fatalf("%s: a new connection without a tenant was accepted", id)
		}
	}
}
