package secrets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"patchbay/backend/domain"
)

// keyringUnderTest is the Keyring store on go-keyring's in-memory mock. The
// real Secret Service is tested in backend/secrets/realkeyring, a package of
// its own so that this package's mocks cannot leak into it.
func keyringUnderTest(t *testing.T) *Keyring {
	t.Helper()
	keyring.MockInit()
	return NewKeyring("patchbay-test", 5*time.Second)
}

func TestStores(t *testing.T) {
	file, err := NewFile(filepath.Join(t.TempDir(), "sub", "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	stores := map[string]Store{"memory": NewMemory(), "file": file, "keyring": keyringUnderTest(t)}
	for name, s := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			key := "connection/test-" + name
			t.Cleanup(func() { _ = s.Delete(ctx, key) })
			if _, err := s.Get(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Fatalf("missing key: %v", err)
			}
			if err := s.Set(ctx, key, `{"apiKey":"v1"}`); err != nil {
				t.Fatal(err)
			}
			if err := s.Set(ctx, key, `{"apiKey":"v2"}`); err != nil {
				t.Fatal(err)
			}
			if v, err := s.Get(ctx, key); err != nil || v != `{"apiKey":"v2"}` {
				t.Fatalf("get = %q, %v", v, err)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Fatalf("second delete: %v", err)
			}
			if _, err := s.Get(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Fatalf("after delete: %v", err)
			}
			if s.Backend() != name {
				t.Fatalf("backend %q", s.Backend())
			}
		})
	}
}

func TestFileIsPrivateAndSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.json")
	f, _ := NewFile(path)
	if err := f.Set(context.Background(), "k", "s3cret"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", st.Mode(), err)
	}
	// A temp file left by a crash mid-write does not affect the store.
	_ = os.WriteFile(filepath.Join(filepath.Dir(path), ".secrets-123.tmp"), []byte("{garbage"), 0o600)
	g, err := NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := g.Get(context.Background(), "k"); err != nil || v != "s3cret" {
		t.Fatalf("reopen: %q %v", v, err)
	}
	if !strings.Contains(g.Warning(), "--insecure-file-secrets") {
		t.Fatalf("warning %q", g.Warning())
	}
	_ = os.WriteFile(path, []byte("{broken"), 0o600)
	if _, err := NewFile(path); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged file: %v", err)
	}
}

func TestUnavailableSaysHowToFix(t *testing.T) {
	u := NewUnavailable("no Secret Service")
	err := u.Set(context.Background(), "k", "v")
	if domain.ErrorCode(err) != domain.EUnavailable {
		t.Fatalf("code %v", err)
	}
	for _, want := range []string{"no Secret Service", "gnome-keyring", "--insecure-file-secrets"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %s", want, err)
		}
	}
	if _, err := u.Get(context.Background(), "k"); domain.ErrorCode(err) != domain.EUnavailable {
		t.Fatalf("get: %v", err)
	}
}

func TestKeyringTimeout(t *testing.T) {
	k := NewKeyring("patchbay-test", 50*time.Millisecond)
	block := make(chan struct{})
	defer close(block)
	k.set = func(string, string, string) error { <-block; return nil }
	start := time.Now()
	err := k.Set(context.Background(), "k", "v")
	if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("the timeout did not bound the call")
	}
}

func TestOpenFallsBack(t *testing.T) {
	keyring.MockInitWithError(errors.New("failed to unlock correct collection"))
	defer keyring.MockInit()
	dir := t.TempDir()
	ctx := context.Background()
	if s := Open(ctx, "patchbay-test", filepath.Join(dir, "s.json"), false, time.Second); s.Backend() != "unavailable" || !strings.Contains(s.Warning(), "failed to unlock") {
		t.Fatalf("no opt-in: %s %q", s.Backend(), s.Warning())
	}
	if s := Open(ctx, "patchbay-test", filepath.Join(dir, "s.json"), true, time.Second); s.Backend() != "file" {
		t.Fatalf("opt-in: %s", s.Backend())
	}
	keyring.MockInit()
	if s := Open(ctx, "patchbay-test", filepath.Join(dir, "s.json"), true, time.Second); s.Backend() != "keyring" {
		t.Fatalf("working keyring: %s", s.Backend())
	}
}
