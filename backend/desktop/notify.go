// Package desktop shows OS notifications through the freedesktop.org
// Notifications service on the D-Bus session bus (what GNOME, KDE, XFCE and
// most Linux desktops run). It carries only a notification's title and body,
// never a secret.
package desktop

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

const (
	service = "org.freedesktop.Notifications"
	path    = "/org/freedesktop/Notifications"
	method  = service + ".Notify"
	// urgencyCritical is the spec's "critical" urgency hint.
	urgencyCritical byte = 2
)

// Notifier sends desktop notifications.
type Notifier struct {
	// AppName is shown as the sender ("Patchbay").
	AppName string
	// Address is a D-Bus address; empty means the user's session bus.
	Address string
}

// Notify shows one notification and returns the id the desktop gave it.
func (n Notifier) Notify(ctx context.Context, title, body string, critical bool) (uint32, error) {
	conn, err := n.connect(ctx)
	if err != nil {
		return 0, fmt.Errorf("desktop notification: no session bus (%w); is a desktop session running?", err)
	}
	defer conn.Close()
	hints := map[string]dbus.Variant{}
	if critical {
		hints["urgency"] = dbus.MakeVariant(urgencyCritical)
	}
	var id uint32
	err = conn.Object(service, path).CallWithContext(ctx, method, 0,
		n.AppName, uint32(0), "dialog-warning", title, body, []string{}, hints, int32(-1)).Store(&id)
	if err != nil {
		return 0, fmt.Errorf("desktop notification: %w", err)
	}
	return id, nil
}

func (n Notifier) connect(ctx context.Context) (*dbus.Conn, error) {
	if n.Address == "" {
		return dbus.ConnectSessionBus(dbus.WithContext(ctx))
	}
	return dbus.Connect(n.Address, dbus.WithContext(ctx))
}
