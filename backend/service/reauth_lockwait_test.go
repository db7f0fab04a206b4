package service_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/oauth"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

// TestReauthorizationBehindAHungRefreshSaysSo: a refresh of the old token
// hangs at the token endpoint while the user reauthorizes. The
// reauthorization waits for the refresh's lock at most the service's
// RefreshLockWait (here 100 ms; 90 s in the product, less than the consent
// finish's two minutes), then fails with a message that says what happened
// and what to do, not an internal "deadline exceeded", and keeps the old
// credential. Validate Connection can be clicked again and succeeds once the
// refresh has ended.
func TestReauthorizationBehindAHungRefreshSaysSo(t *testing.T) {
	forEachReauthorizationEnd(t, reauthorizeBehindHungRefresh)
}

func reauthorizeBehindHungRefresh(t *testing.T, confirm bool) {
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	sec := secrets.NewMemory()
	e := newEnvOptions(t, sec, func(string) *providers.Catalogue { return cat }, 5*time.Second, func(o *service.Options) {
		o.RefreshLockWait = 100 * time.Millisecond
	})
	tokens := newSlowTokens(t, e, false)
	ctx := context.Background()
	connID := connectBehind(t, e, tokens, false)
	before, err := e.store.GetConnection(ctx, connID)
	if err != nil {
		t.Fatal(err)
	}
	tokenKey := "oauth-token/" + before.ID
	oldTok, err := (oauth.SecretTokens{Secrets: sec}).LoadToken(ctx, tokenKey)
	if err != nil {
		t.Fatal(err)
	}

	// A refresh of the old token hangs at the token endpoint.
	release, refreshed := holdARefresh(t, e, tokens, before.ID)

	st, err := e.svc.ReauthorizeConnection(ctx, before.ID, domain.ReauthorizeDraft{Confirm: confirm})
	if err != nil {
		t.Fatal(err)
	}
	status, page, err := fakes.Browse(st.AuthURL, "approve", nil)
	if err != nil {
		t.Fatal(err)
	}
	var msg string
	if confirm {
		if got := waitConsent(t, e, st.ID); got.State != domain.ConsentAuthorized {
			t.Fatalf("reauthorize: %+v", got)
		}
		_, err := e.svc.CompleteConsent(ctx, st.ID)
		if err == nil {
			t.Fatal("Validate Connection succeeded while the refresh held the connection's lock")
		}
		msg = domain.Public(err).Message
		if got, _ := e.svc.GetConsent(ctx, st.ID); got.State != domain.ConsentAuthorized {
			t.Errorf("after the postponed validation the consent is %s, want it still waiting for Validate Connection", got.State)
		}
		if !strings.Contains(msg, "Try Validate Connection again in a minute") {
			t.Errorf("message %q does not say to validate again", msg)
		}
	} else {
		got := waitConsent(t, e, st.ID)
		if got.State != domain.ConsentFailed || status == http.StatusOK {
			t.Fatalf("reauthorize behind a hung refresh: %d %+v", status, got)
		}
		msg = got.Message
		if !strings.Contains(page, "Another refresh") {
			t.Errorf("the browser's page does not say why: %q", page)
		}
		if !strings.Contains(msg, "Reauthorize again in a minute") {
			t.Errorf("message %q does not say to reauthorize again", msg)
		}
	}
	if !strings.Contains(msg, "Another refresh of this connection's token is still running") || !strings.Contains(msg, "previous credential was kept") ||
		strings.Contains(msg, "deadline") || strings.Contains(msg, "Internal error") {
		t.Errorf("user-facing message %q", msg)
	}
	// The old credential is kept.
	stored, err := (oauth.SecretTokens{Secrets: sec}).LoadToken(ctx, tokenKey)
	if err != nil {
		t.Fatal(err)
	}
	if stored.AccessToken != oldTok.AccessToken || stored.RefreshToken != oldTok.RefreshToken {
		t.Errorf("stored token …%s changed while the refresh was hung (was …%s)", tail(stored.AccessToken), tail(oldTok.AccessToken))
	}
	if after, err := e.store.GetConnection(ctx, before.ID); err != nil || after.SecretVersion != before.SecretVersion || after.Status != domain.StatusActive {
		t.Errorf("connection after the failed reauthorization: version %d (was %d), status %s, %v", after.SecretVersion, before.SecretVersion, after.Status, err)
	}

	release()
	select {
	case <-refreshed:
	case <-time.After(20 * time.Second):
		t.Fatal("the refresh did not finish within 20 s")
	}
	if !confirm {
		return
	}
	// Validate Connection again, now that the refresh has ended.
	c, err := e.svc.CompleteConsent(ctx, st.ID)
	if err != nil {
		t.Fatalf("Validate Connection after the refresh ended: %v", err)
	}
	newToken := tokens.last("authorization_code")
	stored, err = (oauth.SecretTokens{Secrets: sec}).LoadToken(ctx, tokenKey)
	if err != nil {
		t.Fatal(err)
	}
	if stored.AccessToken != newToken || c.Status != domain.StatusActive {
		t.Fatalf("after validating again: stored …%s want …%s, status %s", tail(stored.AccessToken), tail(newToken), c.Status)
	}
}
