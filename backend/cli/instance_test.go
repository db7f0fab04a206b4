package cli

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"

	"patchbay/backend/desktop"
)

type fakeWindow struct{ got chan string }

func (f fakeWindow) SendMessage(m string) *dbus.Error { f.got <- m; return nil }

// A second launch on the same data directory brings the first window to the
// front and starts nothing: no backend, no window (Desktop is never called).
func TestSecondLaunchBringsTheRunningWindowToTheFront(t *testing.T) {
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon (scripts/deps.sh installs it): %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	addr = strings.TrimSpace(addr)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)

	dir := t.TempDir()
	first, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	id := "wails_app_" + strings.ReplaceAll(desktop.InstanceID(dir), "-", "_")
	win := fakeWindow{got: make(chan string, 1)}
	if err := first.Export(win, dbus.ObjectPath("/org/"+id+"/SingleInstance"), "org."+id+".SingleInstance"); err != nil {
		t.Fatal(err)
	}
	if _, err := first.RequestName("org."+id+".SingleInstance", dbus.NameFlagDoNotQueue); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	opened := false
	code := Main([]string{"--data-dir", dir}, Env{Stdout: &stdout, Stderr: &stderr, Context: context.Background(),
		Desktop: func(context.Context, *Backend, fs.FS) error { opened = true; return nil }})
	if code != ExitOK || opened || !strings.Contains(stdout.String(), "already running") {
		t.Fatalf("exit %d, window opened %v, stdout %q, stderr %q", code, opened, stdout.String(), stderr.String())
	}
	select {
	case m := <-win.got:
		if !strings.Contains(m, dir) {
			t.Fatalf("the running window got %q", m)
		}
	default:
		t.Fatal("the running window got no message")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("the second launch wrote to the data directory: %v", entries)
	}

	// Another data directory opens its own window.
	code = Main([]string{"--data-dir", t.TempDir(), "--sweep-interval", "0"}, Env{Stdout: &stdout, Stderr: &stderr, Context: context.Background(),
		Desktop: func(context.Context, *Backend, fs.FS) error { opened = true; return nil }})
	if code != ExitOK || !opened {
		t.Fatalf("another data directory: exit %d, window opened %v, stderr %q", code, opened, stderr.String())
	}
}
