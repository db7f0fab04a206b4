package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/oauth"
	"patchbay/backend/secrets"
)

// vendorServer is the fake with its token calls counted.
func vendorServer(t *testing.T, tokenPath string) (*fakes.Server, *httptest.Server, *oauth2.Config, *atomic.Int32) {
	t.Helper()
	f := fakes.New()
	var calls atomic.Int32
	h := f.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "token") || strings.HasSuffix(r.URL.Path, "oauth.v2.access") {
			calls.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	auth := strings.Replace(strings.Replace(tokenPath, "oauth2/v2.0/token", "oauth2/v2.0/authorize", 1), "api/oauth.v2.access", "oauth/v2/authorize", 1)
	auth = strings.Replace(auth, "login/oauth/access_token", "login/oauth/authorize", 1)
	auth = strings.Replace(auth, "auth.atlassian.com/oauth/token", "auth.atlassian.com/authorize", 1)
	auth = strings.Replace(auth, "site/oauth2/access_token", "site/oauth2/authorize", 1)
	// Credentials in the body: x/oauth2's auto-detection would otherwise
	// repeat a failed call once with the other style.
	return f, srv, &oauth2.Config{ClientID: fakes.OAuthClientID, ClientSecret: fakes.OAuthClientSecret, Scopes: []string{"read"},
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/cloud/" + auth, TokenURL: srv.URL + "/cloud/" + tokenPath, AuthStyle: oauth2.AuthStyleInParams}}, &calls
}

// TestVendorTokenErrorsArePermanent: each vendor's documented answer for a
// refresh token that no longer works moves the connection to "Reconnection
// needed." at the first answer (one token call, no retries for minutes).
func TestVendorTokenErrorsArePermanent(t *testing.T) {
	tests := []struct {
		name      string
		tokenPath string
		inject    func(f *fakes.Server)
		want      domain.Class
		wantMsg   string
	}{
		// Slack oauth.v2.access: HTTP 200 {"ok":false,"error":"invalid_refresh_token"}.
		{"slack revoked", "slack.com/api/oauth.v2.access", func(f *fakes.Server) { f.OAuth.RevokeAll() }, domain.ClassRevoked, "invalid_refresh_token"},
		// GitHub: HTTP 200 error=bad_refresh_token (form-encoded).
		{"github revoked", "github.com/login/oauth/access_token", func(f *fakes.Server) { f.OAuth.RevokeAll() }, domain.ClassRevoked, "bad_refresh_token"},
		// Atlassian: 403 invalid_grant.
		{"atlassian revoked", "auth.atlassian.com/oauth/token", func(f *fakes.Server) { f.OAuth.RevokeAll() }, domain.ClassRevoked, "invalid_grant"},
		// Entra: 400 invalid_grant AADSTS50173.
		{"entra revoked", "login.microsoftonline.com/" + fakes.EntraTenant + "/oauth2/v2.0/token", func(f *fakes.Server) { f.OAuth.RevokeAll() }, domain.ClassRevoked, "AADSTS50173"},
		// Entra: interaction_required (conditional access, MFA) and
		// consent_required: the user must sign in again.
		{"entra interaction_required", "login.microsoftonline.com/" + fakes.EntraTenant + "/oauth2/v2.0/token", func(f *fakes.Server) {
			f.OAuth.FailNextWith("interaction_required", "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '499b84ac-1321-427f-aa17-267ca6975798'.")
		}, domain.ClassExpired, "sign in again"},
		{"entra consent_required", "login.microsoftonline.com/" + fakes.EntraTenant + "/oauth2/v2.0/token", func(f *fakes.Server) {
			f.OAuth.FailNextWith("consent_required", "AADSTS65001: The user or administrator has not consented to use the application.")
		}, domain.ClassRevoked, "consent"},
		// Slack: a client whose secret was regenerated.
		{"slack client", "slack.com/api/oauth.v2.access", func(f *fakes.Server) { f.OAuth.FailNextWith("invalid_client", "") }, domain.ClassInvalidCredentials, "invalid_client_id"},
		// GitHub: incorrect_client_credentials.
		{"github client", "github.com/login/oauth/access_token", func(f *fakes.Server) { f.OAuth.FailNextWith("invalid_client", "") }, domain.ClassInvalidCredentials, "incorrect_client_credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv, cfg, calls := vendorServer(t, tt.tokenPath)
			store := oauth.SecretTokens{Secrets: secrets.NewMemory()}
			seed(t, srv, cfg, store, "k")
			tt.inject(f)
			calls.Store(0)
			r := &oauth.Refresher{Store: store, LockDir: t.TempDir(), InitialInterval: 10 * time.Millisecond, MaxElapsed: time.Second}
			_, err := r.Token(context.Background(), "k", cfg)
			var de *domain.Error
			if !errors.As(err, &de) || de.Check == nil {
				t.Fatalf("err = %v, want a classified error", err)
			}
			if de.Check.Class != tt.want || !strings.Contains(de.Check.Message, tt.wantMsg) {
				t.Fatalf("class %s %q, want %s containing %q", de.Check.Class, de.Check.Message, tt.want, tt.wantMsg)
			}
			if n := calls.Load(); n != 1 {
				t.Fatalf("%d token calls, want 1: a permanent answer is not retried", n)
			}
		})
	}
}

// TestVendorRefreshSucceeds: every vendor dialect's success shape (Slack's
// ok:true JSON, GitHub's form encoding) yields a rotated token.
func TestVendorRefreshSucceeds(t *testing.T) {
	for _, p := range []string{"slack.com/api/oauth.v2.access", "github.com/login/oauth/access_token", "auth.atlassian.com/oauth/token",
		"login.microsoftonline.com/" + fakes.EntraTenant + "/oauth2/v2.0/token", "bitbucket.org/site/oauth2/access_token"} {
		t.Run(p, func(t *testing.T) {
			_, srv, cfg, _ := vendorServer(t, p)
			store := oauth.SecretTokens{Secrets: secrets.NewMemory()}
			old := seed(t, srv, cfg, store, "k")
			r := &oauth.Refresher{Store: store, LockDir: t.TempDir()}
			tok, err := r.Token(context.Background(), "k", cfg)
			if err != nil || tok.AccessToken == old.AccessToken || tok.RefreshToken == old.RefreshToken || tok.Expiry.IsZero() {
				t.Fatalf("refresh: %v %+v", err, tok)
			}
		})
	}
}

// TestEntraTenantAndClientKind: a single-tenant app on /common, a public
// client that sends a secret and a confidential one that sends none are
// told what to change (they are configuration problems, not outages).
func TestEntraTenantAndClientKind(t *testing.T) {
	cases := []struct {
		name, tenant, id, secret, want string
	}{
		{"common", "common", fakes.OAuthClientID, fakes.OAuthClientSecret, "tenant"},
		{"public client sends secret", fakes.EntraTenant, fakes.EntraPublicClientID, "s3cret", "public client"},
		{"confidential without secret", fakes.EntraTenant, fakes.OAuthClientID, "", "client secret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, srv, cfg, _ := vendorServer(t, "login.microsoftonline.com/"+c.tenant+"/oauth2/v2.0/token")
			cfg.ClientID, cfg.ClientSecret = c.id, c.secret
			cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
			_, err := cfg.Exchange(context.Background(), "code-x")
			res := oauth.Classify(err, time.Now())
			if res.Class.Permanent() && c.name == "common" || !strings.Contains(res.Message, c.want) {
				t.Fatalf("%s: %s %q, want a message about %q", c.name, res.Class, res.Message, c.want)
			}
			_ = srv
		})
	}
}
