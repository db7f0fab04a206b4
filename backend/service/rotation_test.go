package service_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/secrets"
)

// connectOAuth connects the generic OAuth mode to the fake by consent.
func connectOAuth(t *testing.T, e *env) domain.Connection {
	t.Helper()
	ctx := context.Background()
	st, err := e.svc.StartConsent(ctx, e.oauthDraft())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := fakes.Browse(st.AuthURL, "approve", nil); err != nil {
		t.Fatal(err)
	}
	st = waitConsent(t, e, st.ID)
	if st.State != domain.ConsentDone {
		t.Fatalf("consent: %+v", st)
	}
	c, err := e.svc.GetConnection(ctx, st.ConnectionID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A check racing a rotation: the server revokes the previous access token on
// every rotation and answers 403 for it (Django REST framework's answer, see
// fakes.OAuthServer.RefusedStatus). The check renews (reusing the rotated
// token, no second refresh), retries once and stays active: no alert.
func TestCheckRacingARotationRaisesNoAlarm(t *testing.T) {
	// The product's validation timeout: the check's request waits at the
	// provider while the racing refresh and its own check run (300 ms ran
	// out at load 12, and the timed-out result was discarded, not retried).
	e := newEnvPatient(t, secrets.NewMemory())
	ctx := context.Background()
	c := connectOAuth(t, e)
	e.fake.OAuth.RevokeOnRotate, e.fake.OAuth.RefusedStatus = true, http.StatusForbidden
	var fired atomic.Bool
	e.fake.OAuth.BeforeUserinfo = func() {
		// The check already holds its token: another user rotates it now
		// (that refresh's own check passes through here too: only once).
		if fired.CompareAndSwap(false, true) {
			if _, err := e.svc.RefreshCredential(ctx, c.ID); err != nil {
				t.Errorf("concurrent refresh: %v", err)
			}
		}
	}
	before, _ := e.svc.ListChecks(ctx, c.ID, 100)
	got, err := e.svc.CheckConnection(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != domain.StatusActive || got.LastError != nil {
		t.Fatalf("a check that raced a rotation changed the status: %s %+v", got.Status, got.LastError)
	}
	// The check itself succeeded on its retry (it was not merely discarded):
	// the racing refresh's check and this one are both in the history, OK.
	after, _ := e.svc.ListChecks(ctx, c.ID, 100)
	if len(after) != len(before)+2 || after[0].Class != domain.ClassOK || after[1].Class != domain.ClassOK {
		t.Fatalf("history before %d, after %+v", len(before), after)
	}
	if n := e.fake.OAuth.Refreshes(); n != 1 {
		t.Fatalf("%d refreshes, want 1 (the renew must reuse the rotated token)", n)
	}
	if notes, _ := e.svc.ListNotifications(ctx, 10); len(notes) != 0 {
		t.Fatalf("notifications raised: %+v", notes)
	}
}

// 20 concurrent checks of a 120 s token past half its lifetime, on a server
// that revokes the previous access token at every rotation and answers 403
// for it: exactly one refresh, every check succeeds, the status stays active.
func TestTwentyConcurrentChecksAfterHalfLifetime(t *testing.T) {
	e := newEnvPatient(t, secrets.NewMemory())
	ctx := context.Background()
	e.fake.OAuth.AccessTTL = 120 * time.Second
	c := connectOAuth(t, e)
	e.fake.OAuth.RevokeOnRotate, e.fake.OAuth.RefusedStatus = true, http.StatusForbidden
	// A use before half the lifetime does not refresh (the fixed 5-minute
	// skew refreshed a 120 s token on every use).
	e.clock.Advance(30 * time.Second)
	if got, err := e.svc.CheckConnection(ctx, c.ID); err != nil || got.Status != domain.StatusActive || e.fake.OAuth.Refreshes() != 0 {
		t.Fatalf("check at 30 s: %v %+v, %d refreshes", err, got.LastError, e.fake.OAuth.Refreshes())
	}
	e.clock.Advance(35 * time.Second)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := e.svc.CheckConnection(ctx, c.ID)
			if err != nil || got.Status != domain.StatusActive {
				t.Errorf("check: %v, status %s %+v", err, got.Status, got.LastError)
			}
		}()
	}
	wg.Wait()
	if n := e.fake.OAuth.Refreshes(); n != 1 {
		t.Fatalf("%d refreshes for 20 concurrent checks, want 1", n)
	}
	got, _ := e.svc.GetConnection(ctx, c.ID)
	if got.Status != domain.StatusActive || got.LastError != nil {
		t.Fatalf("after 20 checks: %s %+v", got.Status, got.LastError)
	}
}

// "Refresh credential" while the token endpoint keeps failing transiently
// answers within its budget that the token was not renewed (EUnavailable,
// HTTP 503 in the portal), never "Connection refreshed.".
func TestRefreshCredentialIsHonestWhenTheProviderIsDown(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c := connectOAuth(t, e)
	for i := 0; i < 1000; i++ {
		e.fake.OAuth.FailNext(503)
	}
	start := time.Now()
	_, err := e.svc.RefreshCredential(ctx, c.ID)
	if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "not renewed") {
		t.Fatalf("refresh with the token endpoint down: %v", err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Fatalf("the refresh took %v", took)
	}
	if got, _ := e.svc.GetConnection(ctx, c.ID); got.Status != domain.StatusActive || got.SecretHint != c.SecretHint {
		t.Fatalf("a failed refresh changed the connection: %+v", got)
	}
}

// A refused refresh (the grant was revoked at the provider: invalid_grant)
// is one request to the token endpoint, through the service's own
// refresher: x/oauth2's auth-style auto-detection used to send it again
// with the other client authentication.
func TestRefusedRefreshIsOneTokenRequest(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c := connectOAuth(t, e)
	e.fake.OAuth.RevokeAll()
	before := len(e.fake.OAuth.TokenCalls())
	if _, err := e.svc.RefreshCredential(ctx, c.ID); err == nil {
		t.Fatal("a refresh of a revoked grant succeeded")
	}
	calls := e.fake.OAuth.TokenCalls()[before:]
	if len(calls) != 1 || calls[0].Grant != "refresh_token" || calls[0].Auth != "basic" {
		t.Fatalf("token requests of one refused refresh: %+v, want one (Basic: the generic mode's default)", calls)
	}
	if got, _ := e.svc.GetConnection(ctx, c.ID); got.Status != domain.StatusError {
		t.Fatalf("status %s after a refused refresh, want error", got.Status)
	}
}
