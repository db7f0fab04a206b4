package service_test

import (
	"context"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
)

// oldGenericConnection is a Generic OAuth 2.0 connection as the release
// before per-provider client authentication stored it: its config has no
// recorded client authentication (tokenAuthMethod), since that release left
// the choice to x/oauth2's auto-detection. (A connection made today with
// endpoints entered by hand, no issuer to discover, has the same shape.)
func oldGenericConnection(t *testing.T, e *env) domain.Connection {
	t.Helper()
	c := connectOAuth(t, e)
	// Today a new connection records what its code exchange learned; the
	// previous release recorded nothing.
	c, err := e.store.ChangeCredential(context.Background(), c.ID, func(c *domain.Connection) error {
		delete(c.Config, providers.ConfigTokenAuth)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// An old Generic connection at a token server that takes the client's
// credentials only in the body (fakes.OAuthServer.AcceptOnlyPost: Basic is
// answered invalid_client, RFC 6749 section 5.2) used to be rescued by
// auto-detection's second request. Its refresh learns the style once: Basic,
// then after invalid_client the body; the body is recorded on the
// connection, and the next refresh is one request in the body.
func TestOldGenericConnectionLearnsBodyClientAuthentication(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c := oldGenericConnection(t, e)
	e.fake.OAuth.AcceptOnlyPost(true)

	before := len(e.fake.OAuth.TokenCalls())
	if _, err := e.svc.RefreshCredential(ctx, c.ID); err != nil {
		t.Fatalf("refresh of an old connection at a body-only token server: %v", err)
	}
	calls := e.fake.OAuth.TokenCalls()[before:]
	if len(calls) != 2 || calls[0].Auth != "basic" || calls[1].Auth != "post" || calls[1].Grant != "refresh_token" {
		t.Fatalf("token requests %+v, want Basic (refused: invalid_client) then the body", calls)
	}
	got, err := e.svc.GetConnection(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != domain.StatusActive || got.Config[providers.ConfigTokenAuth] != providers.TokenAuthPost {
		t.Fatalf("after learning: status %s, recorded client authentication %q; want active and %s", got.Status, got.Config[providers.ConfigTokenAuth], providers.TokenAuthPost)
	}
	for k, v := range got.Config {
		if v == fakes.OAuthClientSecret {
			t.Fatalf("the client secret is in the connection's config (%s)", k)
		}
	}

	// Learned once: the next refresh is exactly one request, in the body.
	refreshIsOneBodyRequest(t, e, c.ID, "second")
}

// An old Generic connection whose grant is refused (invalid_grant: revoked
// at the provider) makes one request: the other client authentication is
// tried only after invalid_client, never after a refusal about the grant (a
// rotated refresh token is never sent twice), and nothing is recorded.
func TestOldGenericConnectionRefusedGrantIsOneRequest(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c := oldGenericConnection(t, e)
	e.fake.OAuth.RevokeAll()
	before := len(e.fake.OAuth.TokenCalls())
	if _, err := e.svc.RefreshCredential(ctx, c.ID); err == nil {
		t.Fatal("a refresh of a revoked grant succeeded")
	}
	if calls := e.fake.OAuth.TokenCalls()[before:]; len(calls) != 1 || calls[0].Auth != "basic" {
		t.Fatalf("token requests %+v, want one (Basic), no retry in the body", calls)
	}
	got, _ := e.svc.GetConnection(ctx, c.ID)
	if v, ok := got.Config[providers.ConfigTokenAuth]; ok {
		t.Fatalf("a refused grant recorded the client authentication %q", v)
	}
}

// An old Generic connection whose server takes Basic records Basic at its
// first refresh (one request), and from then on is never relearned: when
// the server later refuses Basic, the refresh is one request in the
// recorded style, and the recorded style stays.
func TestRecordedClientAuthenticationIsNotRelearned(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c := oldGenericConnection(t, e)
	before := len(e.fake.OAuth.TokenCalls())
	if _, err := e.svc.RefreshCredential(ctx, c.ID); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if calls := e.fake.OAuth.TokenCalls()[before:]; len(calls) != 1 || calls[0].Auth != "basic" {
		t.Fatalf("token requests %+v, want one (Basic)", calls)
	}
	if got, _ := e.svc.GetConnection(ctx, c.ID); got.Config[providers.ConfigTokenAuth] != providers.TokenAuthBasic {
		t.Fatalf("recorded client authentication %q, want %s (it worked)", got.Config[providers.ConfigTokenAuth], providers.TokenAuthBasic)
	}

	e.fake.OAuth.AcceptOnlyPost(true)
	before = len(e.fake.OAuth.TokenCalls())
	if _, err := e.svc.RefreshCredential(ctx, c.ID); err == nil {
		t.Fatal("a refresh in the refused recorded style succeeded")
	}
	if calls := e.fake.OAuth.TokenCalls()[before:]; len(calls) != 1 || calls[0].Auth != "basic" {
		t.Fatalf("token requests %+v, want one in the recorded style (Basic)", calls)
	}
	if got, _ := e.svc.GetConnection(ctx, c.ID); got.Config[providers.ConfigTokenAuth] != providers.TokenAuthBasic {
		t.Fatalf("recorded client authentication became %q", got.Config[providers.ConfigTokenAuth])
	}
}

// refreshIsOneBodyRequest refreshes connection id (the "which" refresh of
// the test) and requires it to be one token request with the client
// authentication in the body: the method was learned and recorded.
func refreshIsOneBodyRequest(t *testing.T, e *env, id, which string) {
	t.Helper()
	before := len(e.fake.OAuth.TokenCalls())
	if _, err := e.svc.RefreshCredential(context.Background(), id); err != nil {
		t.Fatalf("%s refresh: %v", which, err)
	}
	if calls := e.fake.OAuth.TokenCalls()[before:]; len(calls) != 1 || calls[0].Auth != "post" {
		t.Fatalf("token requests of the %s refresh %+v, want one, in the body", which, calls)
	}
}
