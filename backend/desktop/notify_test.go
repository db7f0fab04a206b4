package desktop_test

import (
	"bufio"
	"context"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"patchbay/backend/desktop"
)

// privateBus starts a throwaway dbus-daemon (installed by scripts/deps.sh)
// and returns its address.
func privateBus(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon (make test installs it): %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read the bus address: %v", err)
	}
	return strings.TrimSpace(line)
}

// fakeDesktop is a notification daemon that records what it was asked to show.
type fakeDesktop struct {
	mu    sync.Mutex
	shown []string
}

func (f *fakeDesktop) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	urgency := ""
	if v, ok := hints["urgency"]; ok {
		urgency = " urgency=" + v.String()
	}
	f.shown = append(f.shown, app+": "+summary+" / "+body+urgency)
	return uint32(len(f.shown)), nil
}

func TestNotifyReachesTheDesktopDaemon(t *testing.T) {
	addr := privateBus(t)
	daemon, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer daemon.Close()
	fake := &fakeDesktop{}
	if err := daemon.Export(fake, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	if reply, err := daemon.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the notifications name: %v %v", reply, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n := desktop.Notifier{AppName: "Patchbay", Address: addr}
	id, err := n.Notify(ctx, "Slack reauth required", "Reconnection needed.", true)
	if err != nil || id != 1 {
		t.Fatalf("Notify: id %d, %v", id, err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.shown) != 1 || fake.shown[0] != "Patchbay: Slack reauth required / Reconnection needed. urgency=@y 0x2" {
		t.Fatalf("the desktop showed %q", fake.shown)
	}
}

func TestNotifyWithoutADesktopSaysSo(t *testing.T) {
	addr := privateBus(t) // a bus where no notification daemon runs
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := desktop.Notifier{AppName: "Patchbay", Address: addr}.Notify(ctx, "t", "b", false)
	if err == nil || !strings.Contains(err.Error(), "desktop notification") {
		t.Fatalf("Notify with no daemon: %v", err)
	}
}
