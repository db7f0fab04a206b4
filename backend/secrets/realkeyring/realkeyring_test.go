//go:build realkeyring

package realkeyring

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
	"patchbay/backend/store"
)

// serviceName is the keyring service the app uses (backend/cli), so the
// lookups below check where the README says secrets live.
const serviceName = "patchbay"

// lookup asks the Secret Service, through secret-tool and not go-keyring,
// for the secret stored under key; found is false when there is none.
func lookup(t *testing.T, key string) (secret string, found bool) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("secret-tool", "lookup", "service", serviceName, "username", key)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return strings.TrimSuffix(stdout.String(), "\n"), true
	case errors.As(err, &exit) && exit.ExitCode() == 1 && stdout.Len() == 0 && stderr.Len() == 0:
		return "", false // secret-tool's answer for "no such item"
	default:
		t.Fatalf("secret-tool lookup %s: %v: %s", key, err, stderr.String())
		return "", false
	}
}

// uniqueKey is a key no earlier run (or the user's own secrets) can hold.
func uniqueKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "connection/realkeyring-test-" + hex.EncodeToString(b)
}

func TestKeyringWritesToTheSecretService(t *testing.T) {
	ctx := context.Background()
	k := secrets.NewKeyring(serviceName, 5*time.Second)
	key := uniqueKey(t)
	t.Cleanup(func() { _ = k.Delete(context.Background(), key) })

	if _, err := k.Get(ctx, key); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("missing key: %v", err)
	}
	if err := k.Set(ctx, key, `{"apiKey":"v1"}`); err != nil {
		t.Fatalf("set: %v", err)
	}
	if err := k.Set(ctx, key, `{"apiKey":"v2"}`); err != nil {
		t.Fatalf("overwrite: %v", err)
	}
	if got, found := lookup(t, key); !found || got != `{"apiKey":"v2"}` {
		t.Fatalf("secret-tool finds %q (found %v), want the overwritten secret", got, found)
	}
	if v, err := k.Get(ctx, key); err != nil || v != `{"apiKey":"v2"}` {
		t.Fatalf("get = %q, %v", v, err)
	}
	if err := k.Delete(ctx, key); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := k.Delete(ctx, key); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if got, found := lookup(t, key); found {
		t.Fatalf("secret-tool still finds %q after delete", got)
	}
	if _, err := k.Get(ctx, key); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestKeyringReadsWhatSecretToolStored(t *testing.T) {
	ctx := context.Background()
	k := secrets.NewKeyring(serviceName, 5*time.Second)
	key := uniqueKey(t)
	t.Cleanup(func() { _ = k.Delete(context.Background(), key) })
	cmd := exec.Command("secret-tool", "store", "--label", "patchbay test", "service", serviceName, "username", key)
	cmd.Stdin = strings.NewReader("stored-by-secret-tool")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("secret-tool store: %v: %s", err, out)
	}
	if v, err := k.Get(ctx, key); err != nil || v != "stored-by-secret-tool" {
		t.Fatalf("get = %q, %v", v, err)
	}
}

func TestOpenPrefersTheSecretService(t *testing.T) {
	dir := t.TempDir()
	// Even with the file fallback allowed, a working keyring wins.
	s := secrets.Open(context.Background(), serviceName, filepath.Join(dir, "secrets.json"), true, 5*time.Second)
	if s.Backend() != "keyring" || s.Warning() != "" {
		t.Fatalf("backend %q, warning %q", s.Backend(), s.Warning())
	}
	if _, err := os.Stat(filepath.Join(dir, "secrets.json")); !os.IsNotExist(err) {
		t.Fatalf("a secrets file was created next to a working keyring: %v", err)
	}
	if got, found := lookup(t, "patchbay-probe"); found {
		t.Fatalf("the probe entry was left in the keyring: %q", got)
	}
}

func TestServiceKeepsSecretInSecretServiceNotSQLite(t *testing.T) {
	ctx := context.Background()
	sec := secrets.Open(ctx, serviceName, filepath.Join(t.TempDir(), "secrets.json"), false, 5*time.Second)
	if sec.Backend() != "keyring" {
		t.Fatalf("no Secret Service: backend %q: %s", sec.Backend(), sec.Warning())
	}
	fake := fakes.New()
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "patchbay.db")
	st, err := store.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := service.New(service.Options{Store: st, Secrets: sec, Catalogue: cat, Validator: providers.NewValidator(), LockDir: t.TempDir()})
	if err := svc.EnsureDefaultWorkspace(ctx); err != nil {
		t.Fatal(err)
	}
	ws, err := svc.ListWorkspaces(ctx)
	if err != nil || len(ws) != 1 {
		t.Fatalf("workspaces: %v %v", ws, err)
	}

	c, err := svc.CreateConnection(ctx, domain.ConnectionDraft{
		Provider: "generic_api_key", AuthMode: "api_key", Label: "Real keyring", WorkspaceIDs: []string{ws[0].ID},
		BaseURL: srv.URL, Config: map[string]string{"headerName": fakes.GenericHeader, "validationUrl": fakes.GenericValidate},
		Secrets: map[string]string{"apiKey": fakes.GenericGoodKey},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	key := "connection/" + c.ID
	t.Cleanup(func() { _ = sec.Delete(context.Background(), key) })
	if c.Status != domain.StatusActive {
		t.Fatalf("created %+v", c)
	}
	if got, found := lookup(t, key); !found || !strings.Contains(got, fakes.GenericGoodKey) {
		t.Fatalf("secret-tool finds %q (found %v) under service %s, key %s", got, found, serviceName, key)
	}
	scanned := 0
	for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm"} {
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		scanned++
		if bytes.Contains(b, []byte(fakes.GenericGoodKey)) {
			t.Fatalf("secret bytes found in %s", p)
		}
	}
	if scanned == 0 {
		t.Fatal("no database file was scanned")
	}
	if _, err := svc.DeleteConnection(ctx, c.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if got, found := lookup(t, key); found {
		t.Fatalf("secret-tool still finds %q after the connection was deleted", got)
	}
}
