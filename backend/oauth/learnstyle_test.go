package oauth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/oauth"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
)

// A config with an unknown client authentication (oauth.AuthStyleUnknown)
// is never left to x/oauth2's auto-detection: the refresher sends Basic and
// tries the body once only after invalid_client (RFC 6749 section 5.2),
// telling the recorder the method that worked; after any other refusal
// (invalid_grant) it makes no second request and records nothing.
func TestRefresherLearnsAnUnknownClientAuthentication(t *testing.T) {
	for _, tt := range []struct {
		name      string
		inject    func(f *fakes.Server)
		wantAuths []string
		wantClass domain.Class
		learned   string
	}{
		{"Basic works", func(*fakes.Server) {}, []string{"basic"}, "", providers.TokenAuthBasic},
		// fakes.OAuthServer.AcceptOnlyPost: metadata listing only
		// client_secret_post (RFC 8414 section 2), Basic answered invalid_client.
		{"body-only server", func(f *fakes.Server) { f.OAuth.AcceptOnlyPost(true) }, []string{"basic", "post"}, "", providers.TokenAuthPost},
		{"refused grant is not resent", func(f *fakes.Server) { f.OAuth.RevokeAll() }, []string{"basic"}, domain.ClassRevoked, ""},
		{"body-only server, refused grant", func(f *fakes.Server) { f.OAuth.AcceptOnlyPost(true); f.OAuth.RevokeAll() }, []string{"basic", "post"}, domain.ClassRevoked, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, srv, cfg := fakeServer(t)
			store := oauth.SecretTokens{Secrets: secrets.NewMemory()}
			seed(t, srv, cfg, store, "k")
			tt.inject(f)
			before := len(f.OAuth.TokenCalls())
			r := &oauth.Refresher{Store: store, LockDir: t.TempDir(), InitialInterval: 10 * time.Millisecond, MaxElapsed: time.Second}
			var mu sync.Mutex
			var learned []string
			ctx := oauth.WhenAuthStyleLearned(context.Background(), func(_ context.Context, method string) {
				mu.Lock()
				defer mu.Unlock()
				learned = append(learned, method)
			})
			unknown := *cfg
			unknown.Endpoint.AuthStyle = oauth.AuthStyleUnknown
			_, err := r.Refresh(ctx, "k", &unknown)
			var de *domain.Error
			switch {
			case tt.wantClass == "" && err != nil:
				t.Fatalf("refresh: %v", err)
			case tt.wantClass != "" && (!errors.As(err, &de) || de.Check == nil || de.Check.Class != tt.wantClass):
				t.Fatalf("err = %v, want class %s", err, tt.wantClass)
			}
			calls := f.OAuth.TokenCalls()[before:]
			var auths []string
			for _, c := range calls {
				auths = append(auths, c.Auth)
			}
			if len(auths) != len(tt.wantAuths) || (len(auths) > 0 && auths[0] != tt.wantAuths[0]) || (len(auths) > 1 && auths[1] != tt.wantAuths[1]) {
				t.Fatalf("token requests authenticated %v, want %v", auths, tt.wantAuths)
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.learned == "" && len(learned) != 0 || tt.learned != "" && (len(learned) != 1 || learned[0] != tt.learned) {
				t.Fatalf("learned %v, want %q", learned, tt.learned)
			}
		})
	}
}

// A public client (no secret) has nothing to learn: its client_id goes in
// the body (RFC 6749 section 3.2.1), one request, nothing recorded.
func TestRefresherUnknownStyleOfAPublicClient(t *testing.T) {
	f, srv, cfg := fakeServer(t)
	store := oauth.SecretTokens{Secrets: secrets.NewMemory()}
	seed(t, srv, cfg, store, "k")
	f.OAuth.RevokeAll()
	before := len(f.OAuth.TokenCalls())
	r := &oauth.Refresher{Store: store, LockDir: t.TempDir(), MaxElapsed: time.Second}
	learned := false
	ctx := oauth.WhenAuthStyleLearned(context.Background(), func(context.Context, string) { learned = true })
	public := &oauth2.Config{ClientID: cfg.ClientID, Endpoint: cfg.Endpoint}
	public.Endpoint.AuthStyle = oauth.AuthStyleUnknown
	if _, err := r.Refresh(ctx, "k", public); err == nil {
		t.Fatal("a revoked grant's refresh succeeded")
	}
	if calls := f.OAuth.TokenCalls()[before:]; len(calls) != 1 || calls[0].Auth != "none" || learned {
		t.Fatalf("token requests %+v (learned %v), want one with only client_id in the body", calls, learned)
	}
}

// A consent's code exchange learns an unknown client authentication with
// the refresher's helper: Basic, the same code once more in the body only
// after invalid_client (the code was not looked at), the method that worked
// told to ConsentOptions.AuthStyleLearned; a refused code (invalid_grant) is
// one request and nothing is learned.
func TestConsentExchangeLearnsAnUnknownClientAuthentication(t *testing.T) {
	for _, tt := range []struct {
		name      string
		inject    func(f *fakes.Server)
		wantAuths []string
		ok        bool
		learned   string
	}{
		{"Basic works", func(*fakes.Server) {}, []string{"basic"}, true, providers.TokenAuthBasic},
		{"body-only server", func(f *fakes.Server) { f.OAuth.AcceptOnlyPost(true) }, []string{"basic", "post"}, true, providers.TokenAuthPost},
		{"refused code is not resent", func(f *fakes.Server) {
			f.OAuth.AcceptOnlyPost(true)
			f.OAuth.FailNextWith("invalid_grant", "The authorization code is invalid or was already used")
		}, []string{"basic"}, false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, _, cfg := fakeServer(t)
			tt.inject(f)
			unknown := *cfg
			unknown.Endpoint.AuthStyle = oauth.AuthStyleUnknown
			var mu sync.Mutex
			var learned []string
			c, err := oauth.StartConsent(unknown, oauth.ConsentOptions{PKCE: true, Timeout: 10 * time.Second, AuthStyleLearned: func(method string) {
				mu.Lock()
				defer mu.Unlock()
				learned = append(learned, method)
			}})
			if err != nil {
				t.Fatal(err)
			}
			browse(t, c.AuthURL, "approve", nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err = c.Wait(ctx)
			if tt.ok != (err == nil) {
				t.Fatalf("exchange: %v, want success %v", err, tt.ok)
			}
			var auths []string
			for _, call := range f.OAuth.TokenCalls() {
				if call.Grant != "authorization_code" {
					t.Fatalf("token request %+v, want only the code exchange", call)
				}
				auths = append(auths, call.Auth)
			}
			if strings.Join(auths, ",") != strings.Join(tt.wantAuths, ",") {
				t.Fatalf("code exchange authenticated %v, want %v", auths, tt.wantAuths)
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.learned == "" && len(learned) != 0 || tt.learned != "" && (len(learned) != 1 || learned[0] != tt.learned) {
				t.Fatalf("learned %v, want %q", learned, tt.learned)
			}
		})
	}
}
