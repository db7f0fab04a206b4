package cli

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The window opens before the backend has started: Desktop is called while
// the start (secret store, database, catalogue, demo seed) is held back, and
// its service is there once the start goes on.
func TestWindowOpensBeforeTheBackendStarts(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	startGate = func() { <-release }
	t.Cleanup(func() { startGate = nil })
	dir := t.TempDir()
	desktopFn := func(ctx context.Context, b *Backend, _ fs.FS) error {
		select {
		case <-b.Ready():
			t.Error("the backend was ready before the window opened although its start was held back")
		default:
		}
		if b.InstanceID == "" {
			t.Error("no single-instance id for the window")
		}
		wait, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		if _, err := b.Service(wait); err == nil || !strings.Contains(err.Error(), "still starting") {
			t.Errorf("Service while starting: %v, want 'still starting'", err)
		}
		open()
		wait, cancel = context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		svc, err := b.Service(wait)
		if err != nil || svc == nil {
			return err
		}
		_, err = svc.ListConnections(ctx)
		return err
	}
	done := make(chan int, 1)
	go func() {
		done <- Main([]string{"--demo", "--data-dir", dir, "--sweep-interval", "0"}, Env{Stdout: io.Discard, Stderr: io.Discard, Desktop: desktopFn})
	}()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(60 * time.Second):
		open()
		t.Fatal("the window did not open within 60 s while the backend's start was held back: the start runs before the window")
	}
}

// A backend that cannot start closes the window (Service returns the
// reason) and the process exits with the reason, as before the window.
func TestBackendFailureReachesTheWindowAndTheExit(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "patchbay.db"), []byte("not sqlite\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var seen error
	desktopFn := func(ctx context.Context, b *Backend, _ fs.FS) error {
		wait, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		_, seen = b.Service(wait)
		return nil
	}
	var errOut bytes.Buffer
	code := Main([]string{"--insecure-file-secrets", "--data-dir", dir}, Env{Stdout: io.Discard, Stderr: &errOut, Desktop: desktopFn})
	if seen == nil || !strings.Contains(seen.Error(), "not a Patchbay database") {
		t.Fatalf("the window's Service returned %v", seen)
	}
	if code != ExitAttention || !strings.Contains(errOut.String(), "not a Patchbay database") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

// SIGINT or SIGTERM (Env.Context ending stands in for them) while the
// backend is still starting, or once it runs: the window closes (the test's
// Desktop returns when its context ends), the start is abandoned or the
// backend stops, the database closes, and the process exits 0 without an
// error: a signal is how a desktop session ends an app, not a failure.
func TestSignalEndsTheDesktopCleanly(t *testing.T) {
	for _, whileStarting := range []bool{true, false} {
		t.Run(map[bool]string{true: "while starting", false: "once started"}[whileStarting], func(t *testing.T) {
			release := make(chan struct{})
			startGate = func() { <-release }
			t.Cleanup(func() { startGate = nil })
			signal, sent := context.WithCancel(context.Background())
			defer sent()
			desktopFn := func(ctx context.Context, b *Backend, _ fs.FS) error {
				if whileStarting {
					sent()
					<-ctx.Done() // what the signal path in main.go waits for
					close(release)
				} else {
					close(release)
					<-b.Ready()
					sent()
					<-ctx.Done()
				}
				<-b.Ready() // Wails' window closes; the start has ended by now in either case
				return nil
			}
			var errOut bytes.Buffer
			done := make(chan int, 1)
			go func() {
				done <- Main([]string{"--insecure-file-secrets", "--data-dir", t.TempDir(), "--sweep-interval", "0"},
					Env{Context: signal, Stdout: io.Discard, Stderr: &errOut, Desktop: desktopFn})
			}()
			select {
			case code := <-done:
				if code != ExitOK || strings.Contains(errOut.String(), "patchbay:") || strings.Contains(errOut.String(), "level=ERROR") {
					t.Fatalf("exit %d after the signal, stderr:\n%s", code, errOut.String())
				}
				if !strings.Contains(errOut.String(), "stopped: database closed") {
					t.Fatalf("no clean-stop line in the log after the signal:\n%s", errOut.String())
				}
			case <-time.After(60 * time.Second):
				t.Fatal("the process did not end within 60 s of the signal")
			}
		})
	}
}
