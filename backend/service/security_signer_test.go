package service_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/secrets"
)

// countingSecrets counts reads of the portal's signing key, and how many
// ran at once: the first read waits (up to a second) for a second one to
// start beside it, so first uses that are not serialised overlap there
// however the goroutines were scheduled.
type countingSecrets struct {
	secrets.Store
	keyReads   atomic.Int32
	inflight   atomic.Int32
	overlapped atomic.Bool
	second     chan struct{}
	secondOnce sync.Once
}

func (c *countingSecrets) Get(ctx context.Context, key string) (string, error) {
	if key == "portal/hmac-key" {
		if c.inflight.Add(1) > 1 {
			c.overlapped.Store(true)
			c.secondOnce.Do(func() { close(c.second) })
		}
		if c.keyReads.Add(1) == 1 {
			select {
			case <-c.second:
			case <-time.After(time.Second):
			}
		}
		defer c.inflight.Add(-1)
	}
	return c.Store.Get(ctx, key)
}

// TestSecSignerKeyReadOnce (review finding 9): the link-signing key is read
// from (or created in) the secret store once per process, not on every
// anonymous link request, and concurrent first uses create one key: every
// link signed then still opens.
func TestSecSignerKeyReadOnce(t *testing.T) {
	sec := &countingSecrets{Store: secrets.NewMemory(), second: make(chan struct{})}
	e, all := clientOwnedConnection(t, sec)
	ctx := context.Background()
	links := make([]string, 20)
	var wg sync.WaitGroup
	for i := range links {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.svc.CreateReconnectRequest(ctx, all[0].ID, "http://127.0.0.1:1")
			if err != nil {
				t.Error(err)
				return
			}
			links[i] = r.URL[strings.LastIndex(r.URL, "/")+1:]
		}()
	}
	wg.Wait()
	for i := 0; i < 50; i++ {
		_, _ = e.svc.PreviewRequest(ctx, "forged.token")
	}
	for _, l := range links {
		if _, err := e.svc.PreviewRequest(ctx, l); err != nil {
			t.Fatalf("a link signed during the first concurrent uses does not verify: %v", err)
		}
	}
	if sec.overlapped.Load() {
		t.Error("two first uses read the signing key at the same time")
	}
	if n := sec.keyReads.Load(); n != 1 {
		t.Fatalf("the signing key was read %d times, want once", n)
	}
}

// lockedSecrets is a keyring whose collection is locked until unlocked:
// each read of the portal's signing key fails (with Secret Service, each
// read asks the user to unlock it).
type lockedSecrets struct {
	secrets.Store
	keyReads atomic.Int32
	locked   atomic.Bool
}

func (l *lockedSecrets) Get(ctx context.Context, key string) (string, error) {
	if key == "portal/hmac-key" {
		l.keyReads.Add(1)
		if l.locked.Load() {
			return "", errors.New("the collection is locked")
		}
	}
	return l.Store.Get(ctx, key)
}

// TestSecSignerKeyFailureIsNotRetriedByVisitors (review finding 9): while
// the keyring cannot give the signing key, anonymous link requests do not
// make Patchbay read it (and ask the user to unlock) again and again: after
// a failed read, links are refused without a read for a minute. The
// operator's own actions read it at once.
func TestSecSignerKeyFailureIsNotRetriedByVisitors(t *testing.T) {
	sec := &lockedSecrets{Store: secrets.NewMemory()}
	sec.locked.Store(true)
	e, all := clientOwnedConnection(t, sec)
	ctx := context.Background()
	if _, err := e.svc.CreateReconnectRequest(ctx, all[0].ID, "http://127.0.0.1:1"); err == nil {
		t.Fatal("a link was signed without the key")
	}
	for i := 0; i < 50; i++ {
		if _, err := e.svc.PreviewRequest(ctx, "some.token"); err == nil {
			t.Fatal("a link was checked without the key")
		}
	}
	if n := sec.keyReads.Load(); n != 1 {
		t.Fatalf("the key was read %d times within a minute of a failed read, want once", n)
	}
	e.clock.Advance(2 * time.Minute)
	_, _ = e.svc.PreviewRequest(ctx, "some.token")
	if n := sec.keyReads.Load(); n != 2 {
		t.Fatalf("a visitor a minute later: %d reads, want 2", n)
	}
	sec.locked.Store(false)
	r, err := e.svc.CreateReconnectRequest(ctx, all[0].ID, "http://127.0.0.1:1")
	if err != nil {
		t.Fatalf("the operator's link right after a failed read: %v", err)
	}
	if _, err := e.svc.PreviewRequest(ctx, r.URL[strings.LastIndex(r.URL, "/")+1:]); err != nil {
		t.Fatalf("the link once the keyring is unlocked: %v", err)
	}
}

// clientOwnedConnection: an environment on sec with one Boards connection
// owned by a client, so the client's reconnection links are signed.
func clientOwnedConnection(t *testing.T, sec secrets.Store) (*env, []domain.Connection) {
	t.Helper()
	e := newEnvWith(t, sec, catalogue(t, linkedCatalogue))
	ctx := context.Background()
	e.fake.SetKey("ado-pat-000000000000001", true)
	if _, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "boards", AuthMode: "pat", Label: "Contoso", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url, Secrets: map[string]string{"token": "ado-pat-000000000000001"}}); err != nil {
		t.Fatal(err)
	}
	client, _ := e.svc.CreateClient(ctx, "Acme")
	all, _ := e.svc.ListConnections(ctx)
	if _, err := e.svc.SetConnectionOwner(ctx, all[0].ID, client.ID); err != nil {
		t.Fatal(err)
	}
	return e, all
}
