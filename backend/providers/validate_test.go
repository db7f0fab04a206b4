package providers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
)

func generic(t *testing.T) (*providers.Provider, *providers.Mode) {
	t.Helper()
	cat, err := providers.Load()
	if err != nil {
		t.Fatalf("load catalogue: %v", err)
	}
	p, ok := cat.Provider("generic_api_key")
	if !ok {
		t.Fatal("generic_api_key missing from catalogue")
	}
	m, ok := p.Mode("api_key")
	if !ok {
		t.Fatal("api_key mode missing")
	}
	return p, m
}

func TestValidateGenericAgainstFake(t *testing.T) {
	fake := fakes.New()
	fake.HangFor = 5 * time.Second
	srv := httptest.NewServer(fake.Handler())
	defer srv.Close()
	p, m := generic(t)

	tests := []struct {
		name      string
		base      string
		path      string
		key       string
		want      domain.Class
		wantMsg   string
		wantRetry bool
	}{
		{"valid key", srv.URL, fakes.GenericValidate, fakes.GenericGoodKey, domain.ClassOK, "Connection validated", false},
		{"wrong key is 401", srv.URL, fakes.GenericValidate, fakes.GenericBadKey, domain.ClassInvalidCredentials, "Invalid API key", false},
		{"absolute validation URL ignores base", "", srv.URL + fakes.GenericValidate, fakes.GenericGoodKey, domain.ClassOK, "", false},
		{"403 is a permission problem", srv.URL, "/generic/v1/forbidden", fakes.GenericGoodKey, domain.ClassInsufficientScope, "not allowed", false},
		{"429 carries Retry-After", srv.URL, "/generic/v1/limited", fakes.GenericGoodKey, domain.ClassRateLimited, "rate limiting", true},
		{"500 page", srv.URL, "/generic/v1/broken", fakes.GenericGoodKey, domain.ClassProviderDown, "HTTP 500", false},
		{"hung server times out", srv.URL, "/generic/v1/hang", fakes.GenericGoodKey, domain.ClassNetwork, "did not answer within", false},
		{"404 means a wrong URL", srv.URL, "/nope", fakes.GenericGoodKey, domain.ClassMisconfigured, "404", false},
		{"unreachable host", "http://127.0.0.1:1", "/x", fakes.GenericGoodKey, domain.ClassNetwork, "refused", false},
		{"ftp scheme", "", "ftp://example.com/x", "k", domain.ClassMisconfigured, "not supported", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := providers.NewValidator()
			v.Timeout = 300 * time.Millisecond
			res := v.Validate(context.Background(), providers.Target{
				Provider: p, Mode: m, BaseURL: tt.base,
				Values: map[string]string{"headerName": fakes.GenericHeader, "apiKey": tt.key, "validationUrl": tt.path},
			})
			if res.Class != tt.want {
				t.Fatalf("class = %s (%s), want %s", res.Class, res.Message, tt.want)
			}
			if !strings.Contains(res.Message, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", res.Message, tt.wantMsg)
			}
			if (res.RetryAt != nil) != tt.wantRetry {
				t.Errorf("retryAt = %v, want set=%v", res.RetryAt, tt.wantRetry)
			}
			if res.Class != domain.ClassOK && (res.Action == "" || len(res.Causes) == 0 || len(res.Checks) == 0) {
				t.Errorf("failed check lacks seed-003 guidance: %+v", res)
			}
			if strings.Contains(res.Message, tt.key) && len(tt.key) > 3 {
				t.Errorf("message leaks the key: %q", res.Message)
			}
		})
	}
}

func TestClassifyHeaders(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	spec := providers.ValidateSpec{
		IdentityField: "login", ScopesHeader: "X-OAuth-Scopes", RequiredScopes: []string{"repo", "read:org"},
		ExpiryHeader: "github-authentication-token-expiration", RateRemainingHeader: "x-ratelimit-remaining", RateResetHeader: "x-ratelimit-reset",
	}
	tests := []struct {
		name    string
		status  int
		headers map[string]string
		body    string
		want    domain.Class
		check   func(t *testing.T, r domain.CheckResult)
	}{
		{"ok reads identity scopes expiry rate", 200, map[string]string{
			"X-OAuth-Scopes": "repo, read:org", "github-authentication-token-expiration": "2026-12-01 10:00:00 UTC", "x-ratelimit-remaining": "4321",
		}, `{"login":"octo"}`, domain.ClassOK, func(t *testing.T, r domain.CheckResult) {
			if r.Identity != "octo" || len(r.Scopes) != 2 || r.ExpiresAt == nil || r.ExpiresAt.Day() != 1 || *r.RateRemaining != 4321 {
				t.Errorf("got %+v", r)
			}
		}},
		{"ok but scope missing names it", 200, map[string]string{"X-OAuth-Scopes": "repo"}, `{"login":"octo"}`, domain.ClassInsufficientScope, func(t *testing.T, r domain.CheckResult) {
			if len(r.MissingScopes) != 1 || r.MissingScopes[0] != "read:org" {
				t.Errorf("missing = %v", r.MissingScopes)
			}
		}},
		{"200 html sign-in page is misconfigured", 200, nil, `<html>Sign in</html>`, domain.ClassMisconfigured, nil},
		{"401 expired", 401, nil, `{"message":"Token has expired"}`, domain.ClassExpired, nil},
		{"401 revoked", 401, nil, `{"error":"token_revoked"}`, domain.ClassRevoked, nil},
		{"401 bad", 401, nil, `{"message":"Bad credentials"}`, domain.ClassInvalidCredentials, nil},
		{"403 with zero remaining is rate limit with reset", 403, map[string]string{"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1795608000"}, `{}`, domain.ClassRateLimited, func(t *testing.T, r domain.CheckResult) {
			if r.RetryAt == nil || r.RetryAt.Unix() != 1795608000 {
				t.Errorf("retryAt = %v", r.RetryAt)
			}
		}},
		{"403 names accepted scopes", 403, map[string]string{"X-OAuth-Scopes": "repo", "X-Accepted-OAuth-Scopes": "admin:org"}, `{}`, domain.ClassInsufficientScope, func(t *testing.T, r domain.CheckResult) {
			if strings.Join(r.MissingScopes, ",") != "read:org,admin:org" {
				t.Errorf("missing = %v", r.MissingScopes)
			}
		}},
		{"429 retry-after seconds", 429, map[string]string{"Retry-After": "120"}, ``, domain.ClassRateLimited, func(t *testing.T, r domain.CheckResult) {
			if r.RetryAt == nil || !r.RetryAt.Equal(now.Add(2*time.Minute)) {
				t.Errorf("retryAt = %v", r.RetryAt)
			}
		}},
		{"503 with retry-after", 503, map[string]string{"Retry-After": "5"}, ``, domain.ClassProviderDown, func(t *testing.T, r domain.CheckResult) {
			if r.RetryAt == nil {
				t.Error("retryAt not read from 503")
			}
		}},
		{"302 redirect not followed", 302, map[string]string{"Location": "https://login.example.com"}, ``, domain.ClassMisconfigured, func(t *testing.T, r domain.CheckResult) {
			if !strings.Contains(r.Message, "login.example.com") {
				t.Errorf("message = %q", r.Message)
			}
		}},
		{"418 other 4xx", 418, nil, ``, domain.ClassMisconfigured, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			r := providers.Classify(&http.Response{StatusCode: tt.status, Header: h}, []byte(tt.body), spec, now)
			if r.Class != tt.want {
				t.Fatalf("class = %s (%s), want %s", r.Class, r.Message, tt.want)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestRedirectDoesNotLeakKeyToOtherHost(t *testing.T) {
	var leaked bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = r.Header.Get("X-API-Key") != ""
	}))
	defer other.Close()
	redirector := httptest.NewServer(http.RedirectHandler(other.URL, http.StatusFound))
	defer redirector.Close()
	p, m := generic(t)
	res := providers.NewValidator().Validate(context.Background(), providers.Target{Provider: p, Mode: m,
		Values: map[string]string{"headerName": "X-API-Key", "apiKey": "secret-value-123", "validationUrl": redirector.URL}})
	if leaked {
		t.Fatal("the API key was sent to the redirect target")
	}
	if res.Class != domain.ClassMisconfigured {
		t.Fatalf("class = %s", res.Class)
	}
}

func TestBadHeaderName(t *testing.T) {
	p, m := generic(t)
	res := providers.NewValidator().Validate(context.Background(), providers.Target{Provider: p, Mode: m,
		Values: map[string]string{"headerName": "X API Key", "apiKey": "k", "validationUrl": "http://127.0.0.1:1/"}})
	if res.Class != domain.ClassMisconfigured || !strings.Contains(res.Message, "header name") {
		t.Fatalf("got %s %q", res.Class, res.Message)
	}
}

func TestCheckBaseURL(t *testing.T) {
	tests := []struct {
		in, want, errHas string
	}{
		{"https://api.example.com/", "https://api.example.com", ""},
		{"  https://api.example.com/v1  ", "https://api.example.com/v1", ""},
		{"api.example.com", "", "no scheme"},
		{"ftp://example.com", "", "not supported"},
		{"https://user:pw@example.com", "", "user name or password"},
		{"https://exa mple.com", "", "spaces"},
		{"", "", "Enter a URL"},
		{"https://", "", "no host"},
		{"https://example.com/?a=1", "", "query"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := providers.CheckBaseURL("baseUrl", tt.in, false)
			if tt.errHas == "" {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errHas) || domain.ErrorCode(err) != domain.EInvalid {
				t.Fatalf("err = %v, want one containing %q", err, tt.errHas)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	_, m := generic(t)
	clean, warnings, err := providers.Normalize(m, map[string]string{"apiKey": "  abc123\n", "validationUrl": "/v1/me"})
	if err != nil {
		t.Fatal(err)
	}
	if clean["apiKey"] != "abc123" || clean["headerName"] != "X-API-Key" {
		t.Errorf("clean = %v", clean)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "API key") {
		t.Errorf("warnings = %v", warnings)
	}
	if _, _, err := providers.Normalize(m, map[string]string{"apiKey": "   ", "validationUrl": "/v1"}); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "apiKey") {
		t.Errorf("empty key: err = %v", err)
	}
}

func TestCatalogueRejectsBadEntries(t *testing.T) {
	bad := []string{
		`{"providers":[{"id":"x","name":"X","selfHosted":true,"modes":[]}]}`,
		`{"providers":[{"id":"x","name":"X","selfHosted":true,"modes":[{"id":"m","name":"M","reauth":true,"fields":[],"auth":{"header":"A","value":"{{nope}}"},"validate":{"url":"/x"}}]}]}`,
		`{"providers":[{"id":"x","name":"X","modes":[{"id":"m","name":"M","reauth":true,"fields":[],"auth":{"header":"A","value":"v"},"validate":{"url":"/x"}}]}]}`,
		`{"providers":[{"id":"x","name":"X","selfHosted":true,"modes":[{"id":"m","name":"M","reauth":false,"fields":[],"auth":{"header":"A","value":"v"},"validate":{"url":"/x"}}]}]}`,
		`not json`,
	}
	// Inventory pagination the inventory could not follow.
	for _, inv := range []string{`{"pages":"scroll"}`, `{"pages":"cursor","next":"meta.cursor"}`, `{"pages":"next"}`, `{"pages":"offset","param":"startAt"}`, `{"pages":"next","nextHeader":"X-Next"}`} {
		bad = append(bad, `{"providers":[{"id":"x","name":"X","selfHosted":true,"inventory":{"kind":"k","url":"/l","nameField":"n",`+inv[1:]+`,"modes":[{"id":"m","name":"M","reauth":true,"fields":[],"auth":{"header":"A","value":"v"},"validate":{"url":"/x"}}]}]}`)
	}
	good := `{"providers":[{"id":"x","name":"X","selfHosted":true,"inventory":{"kind":"k","url":"/l","nameField":"n","pages":"cursor","nextHeader":"X-Next","param":"c"},"modes":[{"id":"m","name":"M","reauth":true,"fields":[],"auth":{"header":"A","value":"v"},"validate":{"url":"/x"}}]}]}`
	if _, err := providers.Parse([]byte(good)); err != nil {
		t.Fatalf("refused a good catalogue: %v", err)
	}
	for _, doc := range bad {
		if _, err := providers.Parse([]byte(doc)); err == nil {
			t.Errorf("accepted bad catalogue %s", doc)
		}
	}
}

// TestFarFutureTimestampsAreClamped: a provider's nonsense timestamp
// (X-RateLimit-Reset: 999999999999999, a Retry-After of 2^62 seconds, an
// expiry in the year 9999) is bounded at a year from now, so the result can
// be stored (time.Time's JSON stops at the year 9999).
func TestFarFutureTimestampsAreClamped(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	spec := providers.ValidateSpec{ExpiryHeader: "Token-Expiry", RateRemainingHeader: "X-RateLimit-Remaining", RateResetHeader: "X-RateLimit-Reset"}
	latest := now.AddDate(1, 0, 0)
	for _, tt := range []struct {
		name    string
		status  int
		headers map[string]string
	}{
		{"epoch reset in the far future", 429, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "999999999999999"}},
		{"huge Retry-After", 429, map[string]string{"Retry-After": "4611686018427387904"}},
		{"expiry and reset on success", 200, map[string]string{"Token-Expiry": "9999-12-31T23:59:59Z", "X-RateLimit-Reset": "999999999999999"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			r := providers.Classify(&http.Response{StatusCode: tt.status, Header: h}, []byte(`{}`), spec, now)
			for name, at := range map[string]*time.Time{"retryAt": r.RetryAt, "rateResetAt": r.RateResetAt, "expiresAt": r.ExpiresAt} {
				if at != nil && (at.After(latest) || at.Before(now)) {
					t.Errorf("%s = %v, want within a year of now", name, at)
				}
			}
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("the result cannot be stored: %v", err)
			}
		})
	}
}
