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

// fakeDesktop is a notification daemon that records what it was asked to
// show, and who asked (servers send ActionInvoked to that connection).
type fakeDesktop struct {
	mu      sync.Mutex
	shown   []string
	actions [][]string
	senders []dbus.Sender
}

func (f *fakeDesktop) Notify(sender dbus.Sender, app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	urgency := ""
	if v, ok := hints["urgency"]; ok {
		urgency = " urgency=" + v.String()
	}
	f.shown = append(f.shown, app+": "+summary+" / "+body+urgency)
	f.actions = append(f.actions, actions)
	f.senders = append(f.senders, sender)
	return uint32(len(f.shown)), nil
}

// startFakeDesktop owns org.freedesktop.Notifications on the bus at addr.
func startFakeDesktop(t *testing.T, addr string) (*fakeDesktop, *dbus.Conn) {
	t.Helper()
	daemon, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = daemon.Close() })
	fake := &fakeDesktop{}
	if err := daemon.Export(fake, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	if reply, err := daemon.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the notifications name: %v %v", reply, err)
	}
	return fake, daemon
}

// signalTo sends one org.freedesktop.Notifications signal from the daemon,
// to dest only (as GNOME Shell and dunst do) or, with dest "", to everyone
// listening.
func signalTo(t *testing.T, daemon *dbus.Conn, dest dbus.Sender, member string, body ...any) {
	t.Helper()
	msg := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:      dbus.MakeVariant(dbus.ObjectPath("/org/freedesktop/Notifications")),
		dbus.FieldInterface: dbus.MakeVariant("org.freedesktop.Notifications"),
		dbus.FieldMember:    dbus.MakeVariant(member),
		dbus.FieldSignature: dbus.MakeVariant(dbus.SignatureOf(body...)),
	}, Body: body}
	if dest != "" {
		msg.Headers[dbus.FieldDestination] = dbus.MakeVariant(string(dest))
	}
	if call := daemon.Send(msg, nil); call.Err != nil {
		t.Fatalf("send %s: %v", member, call.Err)
	}
}

func TestNotifyReachesTheDesktopDaemon(t *testing.T) {
	addr := privateBus(t)
	fake, _ := startFakeDesktop(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n := desktop.NewNotifier("Patchbay", addr)
	defer n.Close()
	id, err := n.Notify(ctx, "Slack reauth required", "Reconnection needed.", true)
	if err != nil || id != 1 {
		t.Fatalf("Notify: id %d, %v", id, err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.shown) != 1 || fake.shown[0] != "Patchbay: Slack reauth required / Reconnection needed. urgency=@y 0x2" {
		t.Fatalf("the desktop showed %q", fake.shown)
	}
	// Clickable: the spec's "default" action, with a label for servers
	// that show actions as buttons.
	if got := strings.Join(fake.actions[0], "|"); got != "default|Open Patchbay" {
		t.Fatalf("actions %q, want the default action", got)
	}
}

// A click on the notification (the server's ActionInvoked with the
// "default" key, sent to the connection that showed it or broadcast)
// reaches Activated, over a real dbus-daemon.
func TestClickOnANotificationActivates(t *testing.T) {
	addr := privateBus(t)
	fake, daemon := startFakeDesktop(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := desktop.NewNotifier("Patchbay", addr)
	defer n.Close()
	id, err := n.Notify(ctx, "Jira", "Jira reauth required", true)
	if err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	sender := fake.senders[0]
	fake.mu.Unlock()

	signalTo(t, daemon, sender, "ActionInvoked", id, "default")
	select {
	case <-n.Activated():
	case <-ctx.Done():
		t.Fatal("no activation within 10 s of a click sent to the notifying connection")
	}
	// A server that broadcasts the signal instead.
	id2, err := n.Notify(ctx, "Slack", "Slack reauth required", true)
	if err != nil {
		t.Fatal(err)
	}
	signalTo(t, daemon, "", "ActionInvoked", id2, "default")
	select {
	case <-n.Activated():
	case <-ctx.Done():
		t.Fatal("no activation within 10 s of a broadcast click")
	}
}

func TestNotifyWithoutADesktopSaysSo(t *testing.T) {
	addr := privateBus(t) // a bus where no notification daemon runs
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n := desktop.NewNotifier("Patchbay", addr)
	defer n.Close()
	_, err := n.Notify(ctx, "t", "b", false)
	if err == nil || !strings.Contains(err.Error(), "desktop notification") {
		t.Fatalf("Notify with no daemon: %v", err)
	}
}

// TestNotifyBodyIsTextNotMarkup (SECURITY.md item 14): a notification's
// body carries the provider's error text. Servers with "body-markup"
// (Desktop Notifications Specification, "Markup": GNOME Shell, KDE, dunst)
// render tags in the body, links included, so no tag reaches one: angle
// brackets are shown as the look-alike ‹ and ›, on every server.
func TestNotifyBodyIsTextNotMarkup(t *testing.T) {
	addr := privateBus(t)
	fake, _ := startFakeDesktop(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n := desktop.NewNotifier("Patchbay", addr)
	defer n.Close()
	if _, err := n.Notify(ctx, "Slack", `Token refused: <a href="https://evil.example/">sign in here</a> & <b>retry</b>`, false); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if want := `Patchbay: Slack / Token refused: ‹a href="https://evil.example/"›sign in here‹/a› & ‹b›retry‹/b›`; len(fake.shown) != 1 || fake.shown[0] != want {
		t.Fatalf("the desktop showed %q, want %q", fake.shown, want)
	}
}
