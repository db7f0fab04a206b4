package service_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/oauth"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

// TestDeleteAndDisconnectWaitForARefreshInFlight: a refresh is in flight
// (the provider already minted the new token, its response is held at the
// slow token endpoint) while the user deletes or disconnects the
// connection. Delete and Disconnect must wait for the refresh's
// per-connection lock (and say so in the log): afterwards the keyring holds
// no token for the connection, and the token revoked at the provider is the
// newest one it issued, not the one the refresh replaced.
func TestDeleteAndDisconnectWaitForARefreshInFlight(t *testing.T) {
	for _, op := range []string{"delete", "disconnect"} {
		t.Run(op, func(t *testing.T) { removeDuringRefresh(t, op) })
	}
}

func removeDuringRefresh(t *testing.T, op string) {
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	mem := secrets.NewMemory()
	waiting := make(chan struct{}, 1)
	e := newEnvOptions(t, mem, func(string) *providers.Catalogue { return cat }, 5*time.Second, func(o *service.Options) {
		o.Log = slog.New(&logSignal{msg: oauth.LockWaitsMessage, ch: waiting})
	})
	tokens := newSlowTokens(t, e, true)
	ctx := context.Background()
	connID := connectBehind(t, e, tokens, true)
	id := connID

	// A refresh is in flight: the provider minted its token, the response
	// has not arrived yet.
	release, refreshed := holdARefresh(t, e, tokens, id)

	// The user deletes or disconnects the connection meanwhile.
	removed := make(chan error, 1)
	go func() {
		var err error
		if op == "delete" {
			_, err = e.svc.DeleteConnection(ctx, id)
		} else {
			_, err = e.svc.DisconnectConnection(ctx, id)
		}
		removed <- err
	}()
	var early error
	finished := false
	select {
	case early = <-removed:
		finished = true // did not wait for the refresh in flight
	case <-waiting:
	case <-time.After(10 * time.Second):
		t.Fatalf("the %s neither finished nor waited for the refresh within 10 s", op)
	}
	release()
	select {
	case <-refreshed: // it may fail: the connection is gone or disconnected
	case <-time.After(20 * time.Second):
		t.Fatal("the refresh did not finish within 20 s")
	}
	if !finished {
		select {
		case early = <-removed:
		case <-time.After(20 * time.Second):
			t.Fatalf("the %s did not finish within 20 s", op)
		}
	}
	if early != nil {
		t.Fatalf("%s: %v", op, early)
	}

	newest := tokens.last("refresh_token")
	if newest == "" {
		t.Fatal("the provider issued no token for the refresh")
	}
	if _, err := mem.Get(ctx, "oauth-token/"+id); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("after the %s the keyring still holds a token for the connection (get: %v)", op, err)
	}
	if e.fake.OAuth.ValidAccess(newest) {
		t.Errorf("after the %s the newest token the provider issued (…%s) is still live: the revocation targeted the token the refresh replaced", op, tail(newest))
	}
	c, err := e.store.GetConnection(ctx, id)
	switch {
	case op == "delete" && (err == nil || domain.Public(err).Code != domain.ENotFound):
		t.Errorf("after the delete the connection reads %+v %v", c, err)
	case op == "disconnect" && (err != nil || c.Status != domain.StatusRevoked):
		t.Errorf("after the disconnect: %s %v", c.Status, err)
	}
}

// TestDeleteAndDisconnectBehindAHungRefreshSaySo: behind a refresh that
// hangs at the token endpoint, Delete and Disconnect wait at most the
// service's RefreshLockWait (here 100 ms), then say so and change nothing:
// the connection, its status and its token stay.
func TestDeleteAndDisconnectBehindAHungRefreshSaySo(t *testing.T) {
	for _, op := range []string{"delete", "disconnect"} {
		t.Run(op, func(t *testing.T) {
			cat, err := providers.Load()
			if err != nil {
				t.Fatal(err)
			}
			mem := secrets.NewMemory()
			e := newEnvOptions(t, mem, func(string) *providers.Catalogue { return cat }, 5*time.Second, func(o *service.Options) {
				o.RefreshLockWait = 100 * time.Millisecond
			})
			tokens := newSlowTokens(t, e, false)
			ctx := context.Background()
			connID := connectBehind(t, e, tokens, true)
			id := connID
			release, refreshed := holdARefresh(t, e, tokens, id)
			if op == "delete" {
				_, err = e.svc.DeleteConnection(ctx, id)
			} else {
				_, err = e.svc.DisconnectConnection(ctx, id)
			}
			if pe := domain.Public(err); err == nil || pe.Code != domain.EUnavailable || !strings.Contains(pe.Message, "Another refresh") || !strings.Contains(pe.Message, "try again in a minute") {
				t.Errorf("%s behind a hung refresh: %v", op, err)
			}
			if c, err := e.store.GetConnection(ctx, id); err != nil || c.Status != domain.StatusActive {
				t.Errorf("after the refused %s: %s %v", op, c.Status, err)
			}
			if _, err := mem.Get(ctx, "oauth-token/"+id); err != nil {
				t.Errorf("after the refused %s the token is gone: %v", op, err)
			}
			if n := e.fake.OAuth.Revocations(); n != 0 {
				t.Errorf("the refused %s revoked %d tokens", op, n)
			}
			release()
			select {
			case <-refreshed:
			case <-time.After(20 * time.Second):
				t.Fatal("the refresh did not finish within 20 s")
			}
		})
	}
}
