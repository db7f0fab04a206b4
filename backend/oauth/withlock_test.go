package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"patchbay/backend/fakes"
	"patchbay/backend/oauth"
	"patchbay/backend/secrets"
)

// heldRefresh puts a gate in front of the fake OAuth 2.0 server (RFC 6749
// §6 refresh with rotation, as fakes implements it): the next refresh grant
// is answered by the fake, then held until release is called, so the
// provider has already minted the new token while the response is in
// flight. entered receives once the grant was answered and is being held.
func heldRefresh(t *testing.T, f *fakes.Server, cfg *oauth2.Config) (entered chan struct{}, release func()) {
	t.Helper()
	entered, gate := make(chan struct{}, 1), make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	next := f.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/oauth/token" {
			_ = r.ParseForm()
			if r.PostForm.Get("grant_type") == "refresh_token" {
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, r)
				entered <- struct{}{}
				select {
				case <-gate:
				case <-r.Context().Done():
					return
				}
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
				return
			}
		}
		next.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg.Endpoint = fakes.Endpoint(srv.URL)
	return entered, release
}

func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not happen within 10 s", what)
	}
	var zero T
	return zero
}

// A refresh that ends after the connection's token was removed (by a writer
// that did not take the lock: an older Patchbay on the same data directory)
// must not save its token: that would bring a live token back into the
// keyring for a connection that is gone.
func TestARefreshDoesNotResurrectARemovedToken(t *testing.T) {
	f, srv, cfg := fakeServer(t)
	mem := secrets.NewMemory()
	store := oauth.SecretTokens{Secrets: mem}
	seed(t, srv, cfg, store, "oauth-token/conn_1")
	entered, release := heldRefresh(t, f, cfg)
	r := &oauth.Refresher{Store: store, LockDir: t.TempDir(), MaxElapsed: time.Second}
	done := make(chan error, 1)
	go func() {
		_, err := r.Refresh(context.Background(), "oauth-token/conn_1", cfg)
		done <- err
	}()
	waitFor(t, entered, "the refresh reaching the token endpoint")
	if err := mem.Delete(context.Background(), "oauth-token/conn_1"); err != nil {
		t.Fatal(err)
	}
	release()
	if err := waitFor(t, done, "the refresh ending"); err == nil {
		t.Fatal("the refresh of a removed token reported success")
	}
	if _, err := mem.Get(context.Background(), "oauth-token/conn_1"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("the refreshed token was saved after the connection's token was removed (get: %v)", err)
	}
}

// WithLock waits for a refresh in progress, at most LockWait: behind a hung
// refresh it gives up with ErrRefreshRunning and does not run its function;
// once the refresh ended it runs it and sees the refreshed token.
func TestWithLockWaitsForARefreshAtMostLockWait(t *testing.T) {
	f, srv, cfg := fakeServer(t)
	store := oauth.SecretTokens{Secrets: secrets.NewMemory()}
	old := seed(t, srv, cfg, store, "k")
	entered, release := heldRefresh(t, f, cfg)
	r := &oauth.Refresher{Store: store, LockDir: t.TempDir(), MaxElapsed: time.Second, LockWait: 50 * time.Millisecond}
	done := make(chan error, 1)
	go func() {
		_, err := r.Refresh(context.Background(), "k", cfg)
		done <- err
	}()
	waitFor(t, entered, "the refresh reaching the token endpoint")
	ran := false
	err := r.WithLock(context.Background(), "k", "test", func(context.Context) error { ran = true; return nil })
	if !errors.Is(err, oauth.ErrRefreshRunning) || ran {
		t.Fatalf("behind a hung refresh: err %v, ran %v (want ErrRefreshRunning, not run)", err, ran)
	}
	// The caller's own deadline ends the wait the same way.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	r.LockWait = time.Hour
	if err := r.WithLock(ctx, "k", "test", func(context.Context) error { ran = true; return nil }); !errors.Is(err, oauth.ErrRefreshRunning) || ran {
		t.Fatalf("with the caller's deadline: err %v, ran %v", err, ran)
	}
	release()
	if err := waitFor(t, done, "the refresh ending"); err != nil {
		t.Fatal(err)
	}
	var seen string
	if err := r.WithLock(context.Background(), "k", "test", func(ctx context.Context) error {
		tok, err := store.LoadToken(ctx, "k")
		if err == nil {
			seen = tok.AccessToken
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if seen == "" || seen == old.AccessToken {
		t.Fatalf("WithLock after the refresh saw %q, want the refreshed token", seen)
	}
}
