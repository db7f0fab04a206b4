package desktop

import (
	"testing"

	"github.com/godbus/dbus/v5"
)

// sig is a signal of the notification server as godbus delivers it.
func sig(member string, body ...any) *dbus.Signal {
	return &dbus.Signal{Sender: ":1.7", Path: path, Name: service + "." + member, Body: body}
}

func activated(n *Notifier) bool {
	select {
	case <-n.Activated():
		return true
	default:
		return false
	}
}

// The click logic, signal by signal: only the default action of a
// notification this Notifier showed and that is still open activates, and
// clicks coalesce until received.
func TestClickHandling(t *testing.T) {
	n := NewNotifier("Patchbay", "")
	n.open[4] = true
	n.open[5] = true
	for _, c := range []struct {
		name string
		sig  *dbus.Signal
	}{
		{"another program's notification", sig("ActionInvoked", uint32(9), DefaultAction)},
		{"an action other than the default", sig("ActionInvoked", uint32(4), "snooze")},
		{"a malformed body", sig("ActionInvoked", "4", DefaultAction)},
		{"another object's signal", &dbus.Signal{Path: "/org/other", Name: actionInvoked, Body: []any{uint32(4), DefaultAction}}},
		{"a closed notification", sig("NotificationClosed", uint32(5), uint32(2))},
		{"a click on the closed one", sig("ActionInvoked", uint32(5), DefaultAction)},
	} {
		n.handle(c.sig)
		if activated(n) {
			t.Fatalf("%s activated the window", c.name)
		}
	}
	n.handle(sig("ActionInvoked", uint32(4), DefaultAction))
	n.handle(sig("ActionInvoked", uint32(4), DefaultAction))
	if !activated(n) {
		t.Fatal("a click on an open notification of ours did not activate")
	}
	if activated(n) {
		t.Fatal("two clicks before the window looked activated twice; they should coalesce")
	}
}
