package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecPerms (review finding 12): a data directory that already existed
// with looser permissions is made 0700, and the database (with its WAL and
// SHM), the secrets file and the log are 0600, repaired with a log line.
func TestSecPerms(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secrets.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // past the umask
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr bytes.Buffer
	app, err := start(ctx, common{demo: true, demoEmpty: true, dataDir: dir}, Env{Stdout: io.Discard, Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	// The WAL and SHM exist once something was written.
	if _, err := app.svc.CreateClient(ctx, "Acme"); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); app.svc.Wait(); app.close() }()
	check := func(name string, want os.FileMode) {
		t.Helper()
		st, err := os.Stat(filepath.Join(dir, name))
		if os.IsNotExist(err) && name != "" && name != "patchbay.db" {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s is %v, want %v", filepath.Join(dir, name), st.Mode().Perm(), want)
		}
	}
	check("", 0o700)
	for _, f := range []string{"patchbay.db", "patchbay.db-wal", "patchbay.db-shm", "secrets.json", LogFileName} {
		check(f, 0o600)
	}
	if !strings.Contains(stderr.String(), "permissions repaired") {
		t.Errorf("no log line about the repair: %s", stderr.String())
	}
}
