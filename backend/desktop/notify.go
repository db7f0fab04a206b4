// Package desktop shows OS notifications through the freedesktop.org
// Notifications service on the D-Bus session bus (what GNOME, KDE, XFCE and
// most Linux desktops run). It carries only a notification's title and body,
// never a secret.
package desktop

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
)

const (
	service = "org.freedesktop.Notifications"
	path    = "/org/freedesktop/Notifications"
	method  = service + ".Notify"
	// actionInvoked and notificationClosed are the spec's signals: the
	// user chose an action of a notification (clicking its body is the
	// "default" action), or the notification went away.
	actionInvoked      = service + ".ActionInvoked"
	notificationClosed = service + ".NotificationClosed"
	// DefaultAction is the action key a notification server invokes when
	// the user clicks the notification itself (Desktop Notifications
	// Specification, "Actions").
	DefaultAction = "default"
	// urgencyCritical is the spec's "critical" urgency hint.
	urgencyCritical byte = 2
)

// Notifier sends desktop notifications and reports clicks on them. It keeps
// one session-bus connection open from the first notification on: servers
// send ActionInvoked to the connection that showed the notification (GNOME
// Shell, dunst, KDE), so the connection that showed it must still be there
// when the user clicks. Make it with NewNotifier; it is safe for concurrent
// use.
type Notifier struct {
	appName string
	address string

	activated chan struct{} // capacity 1: clicks coalesce until received

	mu   sync.Mutex
	conn *dbus.Conn
	// open holds the ids this connection showed that are still on screen:
	// only a click on one of them brings the window back.
	open map[uint32]bool
}

// NewNotifier returns a Notifier that shows notifications as appName on the
// D-Bus at address (empty: the user's session bus).
func NewNotifier(appName, address string) *Notifier {
	return &Notifier{appName: appName, address: address, activated: make(chan struct{}, 1), open: map[uint32]bool{}}
}

// Activated receives a value when the user clicked a notification this
// Notifier showed (its default action); several clicks before the receiver
// looks coalesce into one.
func (n *Notifier) Activated() <-chan struct{} { return n.activated }

// Notify shows one notification, clickable (the default action, "Open
// Patchbay"), and returns the id the desktop gave it.
func (n *Notifier) Notify(ctx context.Context, title, body string, critical bool) (uint32, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	conn, err := n.connectLocked(ctx)
	if err != nil {
		return 0, err
	}
	hints := map[string]dbus.Variant{}
	if critical {
		hints["urgency"] = dbus.MakeVariant(urgencyCritical)
	}
	// The body carries a provider's error text, and servers with
	// "body-markup" render tags in it (links included): none gets through.
	body = strings.ReplaceAll(strings.ReplaceAll(body, "<", "‹"), ">", "›")
	var id uint32
	err = conn.Object(service, path).CallWithContext(ctx, method, 0,
		n.appName, uint32(0), "dialog-warning", title, body, []string{DefaultAction, "Open " + n.appName}, hints, int32(-1)).Store(&id)
	if err != nil {
		return 0, fmt.Errorf("desktop notification: %w", err)
	}
	n.open[id] = true
	return id, nil
}

// Close ends the connection; a later Notify opens a new one.
func (n *Notifier) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn == nil {
		return nil
	}
	err := n.conn.Close()
	n.conn = nil
	return err
}

// connectLocked returns the open connection, or opens one that listens for
// the server's signals (n.mu held).
func (n *Notifier) connectLocked(ctx context.Context) (*dbus.Conn, error) {
	if n.conn != nil && n.conn.Connected() {
		return n.conn, nil
	}
	conn, err := connect(ctx, n.address)
	if err != nil {
		return nil, fmt.Errorf("desktop notification: no session bus (%w); is a desktop session running?", err)
	}
	// Servers that broadcast their signals instead of sending them to us
	// reach us through this rule; the ids we showed tell ours apart.
	if err := conn.AddMatchSignalContext(ctx, dbus.WithMatchInterface(service), dbus.WithMatchObjectPath(path)); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("desktop notification: listen for clicks: %w", err)
	}
	signals := make(chan *dbus.Signal, 16)
	conn.Signal(signals)
	go n.listen(signals)
	n.conn = conn
	n.open = map[uint32]bool{} // ids belong to a connection's notifications
	return conn, nil
}

// listen handles the server's signals until the connection closes.
func (n *Notifier) listen(signals <-chan *dbus.Signal) {
	for sig := range signals {
		n.handle(sig)
	}
}

// handle applies one signal: a click on a notification we showed
// activates; a closed one is forgotten.
func (n *Notifier) handle(sig *dbus.Signal) {
	if sig.Path != path {
		return
	}
	switch sig.Name {
	case actionInvoked:
		var id uint32
		var key string
		if dbus.Store(sig.Body, &id, &key) != nil || key != DefaultAction {
			return
		}
		n.mu.Lock()
		ours := n.open[id]
		n.mu.Unlock()
		if !ours {
			return
		}
		select {
		case n.activated <- struct{}{}:
		default: // a click is already pending
		}
	case notificationClosed:
		var id, reason uint32
		if dbus.Store(sig.Body, &id, &reason) != nil {
			return
		}
		n.mu.Lock()
		delete(n.open, id)
		n.mu.Unlock()
	}
}
