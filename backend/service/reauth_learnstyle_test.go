package service_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

// oldGenericConnections are the two shapes of a Generic OAuth 2.0
// connection without a recorded client authentication (tokenAuthMethod):
// endpoints entered by hand, and an issuer whose discovery ran before the
// release that records the method (made here by dropping the key).
func oldGenericConnections() []struct {
	name string
	make func(t *testing.T, e *env) domain.Connection
} {
	return []struct {
		name string
		make func(t *testing.T, e *env) domain.Connection
	}{
		{"endpoints entered by hand", oldGenericConnection},
		{"issuer", func(t *testing.T, e *env) domain.Connection {
			t.Helper()
			ctx := context.Background()
			st := connectByConsent(t, e, e.issuerDraft())
			c, err := e.store.ChangeCredential(ctx, st.ConnectionID, func(c *domain.Connection) error {
				delete(c.Config, providers.ConfigTokenAuth) // the previous release's shape
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}},
	}
}

// reauthorizeToValidate re-authorizes c by consent (seeds 000/001: the
// consent stops at "authorized", Validate Connection replaces the token).
func reauthorizeToValidate(t *testing.T, e *env, c domain.Connection) domain.ConsentStatus {
	t.Helper()
	return approveIn(t, e)(e.svc.ReauthorizeConnection(context.Background(), c.ID, domain.ReauthorizeDraft{Confirm: true}))
}

// An old Generic connection (no recorded client authentication) whose
// refresh token is dead, at a token server that takes the client's
// credentials only in the body (fakes.OAuthServer.AcceptOnlyPost: Basic is
// answered invalid_client, RFC 6749 section 5.2), recovers by
// re-authorizing: the code exchange sends Basic, and after invalid_client
// (client authentication failed, the code was not looked at) the same code
// once more in the body. The new token replaces the old one only at
// Validate Connection, which records client_secret_post on the connection;
// the next refresh is one request in the body.
func TestReauthorizeOldGenericConnectionLearnsBodyClientAuthentication(t *testing.T) {
	for _, shape := range oldGenericConnections() {
		t.Run(shape.name, func(t *testing.T) {
			e := newEnv(t, secrets.NewMemory())
			ctx := context.Background()
			c := shape.make(t, e)
			old := storedToken(t, e, c)
			e.fake.OAuth.RevokeAll() // the refresh token is dead: only re-authorizing helps
			e.fake.OAuth.AcceptOnlyPost(true)

			before := len(e.fake.OAuth.TokenCalls())
			st := reauthorizeToValidate(t, e, c)
			if st.State != domain.ConsentAuthorized {
				t.Fatalf("re-authorization of an old connection at a body-only token server: %+v", st)
			}
			calls := e.fake.OAuth.TokenCalls()[before:]
			if len(calls) != 2 || calls[0].Auth != "basic" || calls[1].Auth != "post" || calls[0].Grant != "authorization_code" || calls[1].Grant != "authorization_code" {
				t.Fatalf("token requests %+v, want the code exchange in Basic (refused: invalid_client) then in the body", calls)
			}
			got, _ := e.svc.GetConnection(ctx, c.ID)
			if v, ok := got.Config[providers.ConfigTokenAuth]; ok || storedToken(t, e, c).AccessToken != old.AccessToken {
				t.Fatalf("before Validate Connection: recorded %q, token replaced %v; want nothing changed", v, storedToken(t, e, c).AccessToken != old.AccessToken)
			}

			got, err := e.svc.CompleteConsent(ctx, st.ID)
			if err != nil || got.Status != domain.StatusActive {
				t.Fatalf("validate: %+v %v", got, err)
			}
			if storedToken(t, e, c).AccessToken == old.AccessToken {
				t.Fatal("Validate Connection did not replace the token")
			}
			if got, _ = e.svc.GetConnection(ctx, c.ID); got.Config[providers.ConfigTokenAuth] != providers.TokenAuthPost {
				t.Fatalf("recorded client authentication %q, want %s", got.Config[providers.ConfigTokenAuth], providers.TokenAuthPost)
			}
			for k, v := range got.Config {
				if strings.Contains(v, fakes.OAuthClientSecret) {
					t.Fatalf("the client secret is in the connection's config (%s)", k)
				}
			}
			refreshIsOneBodyRequest(t, e, c.ID, "next")
		})
	}
}

// A value recorded while the re-authorization waited for Validate
// Connection (a refresh learned it meanwhile) is kept: compare-and-set.
func TestReauthorizeKeepsAClientAuthenticationRecordedMeanwhile(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c := oldGenericConnection(t, e)
	e.fake.OAuth.AcceptOnlyPost(true)
	st := reauthorizeToValidate(t, e, c)
	if st.State != domain.ConsentAuthorized {
		t.Fatalf("consent: %+v", st)
	}
	if set, err := e.store.SetConnectionConfigIfUnset(ctx, c.ID, providers.ConfigTokenAuth, providers.TokenAuthBasic, e.clock.Now()); err != nil || !set {
		t.Fatalf("record meanwhile: %v %v", set, err)
	}
	if _, err := e.svc.CompleteConsent(ctx, st.ID); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if got, _ := e.svc.GetConnection(ctx, c.ID); got.Config[providers.ConfigTokenAuth] != providers.TokenAuthBasic {
		t.Fatalf("recorded client authentication %q, want the one recorded meanwhile (%s)", got.Config[providers.ConfigTokenAuth], providers.TokenAuthBasic)
	}
}

// A code exchange refused about the grant (invalid_grant) is one request:
// the body is tried only after invalid_client, a refused code is never
// sent again; the consent fails, nothing is recorded, the old token stays.
func TestReauthorizeOldGenericConnectionRefusedCodeIsOneRequest(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c := oldGenericConnection(t, e)
	old := storedToken(t, e, c)
	e.fake.OAuth.AcceptOnlyPost(true)
	e.fake.OAuth.FailNextWith("invalid_grant", "The authorization code is invalid or was already used")
	before := len(e.fake.OAuth.TokenCalls())
	if st := reauthorizeToValidate(t, e, c); st.State != domain.ConsentFailed {
		t.Fatalf("re-authorization with a refused code: %+v", st)
	}
	if calls := e.fake.OAuth.TokenCalls()[before:]; len(calls) != 1 || calls[0].Auth != "basic" {
		t.Fatalf("token requests %+v, want one (Basic), the refused code not resent", calls)
	}
	got, _ := e.svc.GetConnection(ctx, c.ID)
	if v, ok := got.Config[providers.ConfigTokenAuth]; ok || storedToken(t, e, c).AccessToken != old.AccessToken {
		t.Fatalf("after a refused code: recorded %q, token replaced %v; want nothing changed", v, storedToken(t, e, c).AccessToken != old.AccessToken)
	}
}

// A NEW Generic connection with its endpoints entered by hand (no issuer,
// so no discovery to name the client authentication) at a token server
// that takes the client's credentials only in the body
// (fakes.OAuthServer.AcceptOnlyPost: Basic is answered invalid_client, RFC
// 6749 section 5.2) connects: the code exchange learns the method as a
// re-authorization does (Basic, then the same code once in the body), and
// the connection records client_secret_post, so its first refresh is one
// request in the body.
func TestNewGenericConnectionLearnsBodyClientAuthentication(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	e.fake.OAuth.AcceptOnlyPost(true)
	before := len(e.fake.OAuth.TokenCalls())
	st := approveIn(t, e)(e.svc.StartConsent(ctx, e.oauthDraft()))
	if st.State != domain.ConsentDone {
		t.Fatalf("a new connection at a body-only token server: %+v", st)
	}
	calls := e.fake.OAuth.TokenCalls()[before:]
	if len(calls) != 2 || calls[0].Auth != "basic" || calls[1].Auth != "post" {
		t.Fatalf("token requests %+v, want the code exchange in Basic (refused: invalid_client) then in the body", calls)
	}
	c, err := e.svc.GetConnection(ctx, st.ConnectionID)
	if err != nil || c.Config[providers.ConfigTokenAuth] != providers.TokenAuthPost {
		t.Fatalf("recorded client authentication %q (%v), want %s", c.Config[providers.ConfigTokenAuth], err, providers.TokenAuthPost)
	}
	refreshIsOneBodyRequest(t, e, c.ID, "first")
}

// Re-authorizing an old Generic connection logs the client authentication
// its code exchange learned (connection and method, at Validate Connection
// when it is recorded), as a refresh that learns it does, and never a
// secret: the client secret, the tokens and the code stay out of the log.
func TestReauthorizeLogsTheLearnedClientAuthentication(t *testing.T) {
	logs := &syncBuffer{}
	e := newEnvOptions(t, secrets.NewMemory(), func(string) *providers.Catalogue { c, _ := providers.Load(); return c }, testValidateTimeout, func(o *service.Options) {
		o.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := context.Background()
	c := oldGenericConnection(t, e)
	e.fake.OAuth.AcceptOnlyPost(true)
	st := reauthorizeToValidate(t, e, c)
	if st.State != domain.ConsentAuthorized {
		t.Fatalf("consent: %+v", st)
	}
	if _, err := e.svc.CompleteConsent(ctx, st.ID); err != nil {
		t.Fatalf("validate: %v", err)
	}
	tok := storedToken(t, e, c)
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "client authentication recorded") && strings.Contains(l, "connection="+c.ID) {
			line = l
		}
	}
	if !strings.Contains(line, "method="+providers.TokenAuthPost) || !strings.Contains(line, "at=re-authorization") {
		t.Fatalf("no log of the learned client authentication (want method=%s at=re-authorization); log:\n%s", providers.TokenAuthPost, logs.String())
	}
	for name, secret := range map[string]string{"client secret": fakes.OAuthClientSecret, "access token": tok.AccessToken, "refresh token": tok.RefreshToken} {
		if secret != "" && strings.Contains(logs.String(), secret) {
			t.Fatalf("the log has the %s", name)
		}
	}
}
