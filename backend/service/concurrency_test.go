package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
)

// holdProvider is a generic API-key service (the catalogue's generic_api_key
// mode: GET {validationUrl} with the key in X-API-Key answers 200 with the
// account for a valid key and 401 otherwise, like the fakes' /generic/v1/me)
// that can hold the requests of chosen keys open until the test releases
// them, so a check is in flight while the user changes the connection.
type holdProvider struct {
	mu      sync.Mutex
	valid   map[string]bool
	hold    map[string]chan struct{}
	entered chan string
}

func newHoldProvider() *holdProvider {
	return &holdProvider{valid: map[string]bool{}, hold: map[string]chan struct{}{}, entered: make(chan string, 16)}
}

func (h *holdProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("X-API-Key")
	h.mu.Lock()
	release := h.hold[key]
	h.mu.Unlock()
	if release != nil {
		h.entered <- key
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
	}
	h.mu.Lock()
	ok := h.valid[key]
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": "Invalid API key"})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"name": "Service account", "id": 7})
}

func (h *holdProvider) set(key string, valid bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.valid[key] = valid
}

// holdNext makes the next requests with key wait until release is called.
func (h *holdProvider) holdNext(key string) (release func()) {
	ch := make(chan struct{})
	h.mu.Lock()
	h.hold[key] = ch
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(h.hold, key)
		h.mu.Unlock()
		close(ch)
	}
}

// waitEntered waits until a held request with key reached the provider.
func (h *holdProvider) waitEntered(t *testing.T, key string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case k := <-h.entered:
			if k == key {
				return
			}
		case <-deadline:
			t.Fatalf("no request with key …%s reached the provider within 10 s", key[len(key)-4:])
		}
	}
}

// TestUserChangesSurviveChecksInFlight: 200 times, a check (alternately
// CheckConnection and a sweep) is held open at the provider while the user
// renames the connection, hands it to a client and back, changes its
// workspaces and re-authenticates it with a new key; then the old key is
// revoked and the held check finishes with 401. Every user change must still
// be there, the connection must follow the new key (active, its hint), and
// the bell must stay quiet: the old key's result is dropped.
func TestUserChangesSurviveChecksInFlight(t *testing.T) {
	prov := newHoldProvider()
	srv := httptest.NewServer(prov)
	t.Cleanup(srv.Close)
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvTimeout(t, secrets.NewMemory(), func(string) *providers.Catalogue { return cat }, 20*time.Second)
	ctx := context.Background()
	key := func(i int) string { return fmt.Sprintf("stress-key-%08d", i) }
	prov.set(key(0), true)
	d := e.draft(key(0), "/v1/me")
	d.BaseURL = srv.URL
	c, err := e.svc.CreateConnection(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	client, err := e.svc.CreateClient(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	w2, err := e.svc.CreateWorkspace(ctx, domain.WorkspaceDraft{Name: "Second"})
	if err != nil {
		t.Fatal(err)
	}
	const iterations = 200
	for i := 0; i < iterations; i++ {
		old, next := key(i), key(i+1)
		prov.set(next, true)
		release := prov.holdNext(old)
		done := make(chan error, 1)
		viaSweep := i%2 == 1
		go func() {
			if viaSweep {
				_, err := e.svc.StartSweep(ctx)
				done <- err
				return
			}
			_, err := e.svc.CheckConnection(ctx, c.ID)
			done <- err
		}()
		prov.waitEntered(t, old)

		label := fmt.Sprintf("Stress %d", i)
		if _, err := e.svc.RenameConnection(ctx, c.ID, label); err != nil {
			t.Fatal(err)
		}
		owner := client.ID
		if i%3 == 0 {
			owner = ""
		}
		if _, err := e.svc.SetConnectionOwner(ctx, c.ID, owner); err != nil {
			t.Fatal(err)
		}
		wss := []string{e.ws.ID}
		if i%2 == 0 {
			wss = []string{e.ws.ID, w2.ID}
		}
		if _, err := e.svc.UpdateConnectionWorkspaces(ctx, c.ID, wss); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ReauthenticateConnection(ctx, c.ID, domain.ReauthDraft{Secrets: map[string]string{"apiKey": next}}); err != nil {
			t.Fatalf("iteration %d: re-authenticate: %v", i, err)
		}
		prov.set(old, false) // the old key is revoked: the held check ends in 401
		release()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("iteration %d: check: %v", i, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("iteration %d: the check did not finish within 20 s", i)
		}
		if viaSweep {
			waitSweepDone(t, e)
		}

		got, err := e.svc.GetConnection(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantOwner := owner
		if wantOwner == "" {
			wantOwner = domain.OwnerTeam
		}
		switch {
		case got.Label != label:
			t.Fatalf("iteration %d: label %q, want %q (the rename was lost)", i, got.Label, label)
		case got.Owner != wantOwner:
			t.Fatalf("iteration %d: owner %q, want %q (the owner change was lost)", i, got.Owner, wantOwner)
		case !reflect.DeepEqual(got.WorkspaceIDs, sorted(wss)):
			t.Fatalf("iteration %d: workspaces %v, want %v (the workspace edit was lost)", i, got.WorkspaceIDs, wss)
		case got.SecretHint != domain.MaskSecret(next):
			t.Fatalf("iteration %d: secret hint %q, want the new key's %q", i, got.SecretHint, domain.MaskSecret(next))
		case got.Status != domain.StatusActive || got.LastError != nil:
			t.Fatalf("iteration %d: status %s (%+v): the old key's failed check overwrote the new key's", i, got.Status, got.LastError)
		}
		if unread, _ := e.store.UnreadCritical(ctx); len(unread) != 0 {
			t.Fatalf("iteration %d: the old key's check raised the bell: %+v", i, unread)
		}
	}
}

func sorted(ids []string) []string {
	out := append([]string(nil), ids...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// waitSweepDone waits (bounded) until no sweep runs.
func waitSweepDone(t *testing.T, e *env) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		p, err := e.svc.GetSweep(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !p.Running {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the sweep did not finish within 20 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
