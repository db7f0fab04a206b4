package desktop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/godbus/dbus/v5"
)

// InstanceID names the desktop app's single instance for one data
// directory: a second launch on the same directory (the same database and
// keyring entries) brings the running window to the front instead of
// starting a second process on them; another --data-dir is another instance.
// It is the UniqueId of Wails' SingleInstanceLock.
func InstanceID(dataDir string) string {
	if abs, err := filepath.Abs(dataDir); err == nil {
		dataDir = abs
	}
	sum := sha256.Sum256([]byte(dataDir))
	return "patchbay-" + hex.EncodeToString(sum[:8])
}

// Instance reaches a running Patchbay window through Wails v2.16.0's Linux
// single-instance protocol (internal/frontend/desktop/linux/single_instance.go):
// the first instance owns the session-bus name
// org.wails_app_<id>.SingleInstance and exports SendMessage(string) at
// /org/wails_app_<id>/SingleInstance; a later launch sends it its arguments
// and working directory as JSON.
type Instance struct {
	// ID is InstanceID(dataDir).
	ID string
	// Address is a D-Bus address; empty means the user's session bus.
	Address string
}

func (in Instance) names() (busName string, path dbus.ObjectPath) {
	id := "wails_app_" + strings.NewReplacer("-", "_", ".", "_").Replace(in.ID)
	return "org." + id + ".SingleInstance", dbus.ObjectPath("/org/" + id + "/SingleInstance")
}

// secondLaunch is the JSON Wails' OnSecondInstanceLaunch receives
// (options.SecondInstanceData).
type secondLaunch struct {
	Args             []string
	WorkingDirectory string
}

// BringToFront tells a running instance that it was launched again (it
// shows and focuses its window) and reports whether one was running. With
// no session bus it reports false: the caller starts normally.
func (in Instance) BringToFront(ctx context.Context, args []string, workingDir string) (bool, error) {
	conn, err := connect(ctx, in.Address)
	if err != nil {
		return false, nil // no session bus: no instance to find, and Wails finds none either
	}
	defer conn.Close()
	name, path := in.names()
	var owned bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned); err != nil {
		return false, fmt.Errorf("look for a running Patchbay: %w", err)
	}
	if !owned {
		return false, nil
	}
	msg, err := json.Marshal(secondLaunch{Args: args, WorkingDirectory: workingDir})
	if err != nil {
		return false, fmt.Errorf("look for a running Patchbay: %w", err)
	}
	if err := conn.Object(name, path).CallWithContext(ctx, name+".SendMessage", 0, string(msg)).Store(); err != nil {
		return false, fmt.Errorf("bring the running Patchbay to the front: %w", err)
	}
	return true, nil
}

func connect(ctx context.Context, address string) (*dbus.Conn, error) {
	if address == "" {
		return dbus.ConnectSessionBus(dbus.WithContext(ctx))
	}
	return dbus.Connect(address, dbus.WithContext(ctx))
}
