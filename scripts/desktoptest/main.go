//go:build linux && cgo

// Command desktoptest holds what scripts/desktop-xvfb.sh needs besides
// xdotool to drive the real desktop window under Xvfb:
//
//	desktoptest close WINDOW_ID   ask a window to close, as its title bar's
//	                              close button does (WM_DELETE_WINDOW), which
//	                              xdotool 3.2016's windowclose cannot: it
//	                              destroys the window instead
//	desktoptest notifyd           a fake desktop notification daemon: owns
//	                              org.freedesktop.Notifications on the
//	                              session bus and prints one line per
//	                              notification ("NOTIFY app|summary|body");
//	                              on SIGUSR1 it "clicks" the last one as a
//	                              server does (ActionInvoked with the
//	                              "default" key sent to the connection that
//	                              showed it, then NotificationClosed) and
//	                              prints "CLICKED id", or "NOT CLICKABLE id"
//	                              when the notification has no default action
package main

/*
#cgo pkg-config: x11
#include <stdlib.h>
#include <string.h>
#include <X11/Xlib.h>

static int close_window(Display *d, Window w) {
	XEvent ev;
	memset(&ev, 0, sizeof ev);
	ev.xclient.type = ClientMessage;
	ev.xclient.window = w;
	ev.xclient.message_type = XInternAtom(d, "WM_PROTOCOLS", False);
	ev.xclient.format = 32;
	ev.xclient.data.l[0] = XInternAtom(d, "WM_DELETE_WINDOW", False);
	ev.xclient.data.l[1] = CurrentTime;
	int ok = XSendEvent(d, w, False, NoEventMask, &ev);
	XFlush(d);
	return ok;
}
*/
import "C"

import (
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"github.com/godbus/dbus/v5"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "close":
		if len(os.Args) != 3 {
			usage()
		}
		closeWindow(os.Args[2])
	case "notifyd":
		notifyd()
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: desktoptest close WINDOW_ID | desktoptest notifyd")
	os.Exit(2)
}

func closeWindow(arg string) {
	id, err := strconv.ParseUint(arg, 0, 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "desktoptest: window id %q: %v\n", arg, err)
		os.Exit(2)
	}
	name := C.CString(os.Getenv("DISPLAY"))
	defer C.free(unsafe.Pointer(name))
	d := C.XOpenDisplay(name)
	if d == nil {
		fmt.Fprintf(os.Stderr, "desktoptest: cannot open display %q\n", os.Getenv("DISPLAY"))
		os.Exit(2)
	}
	defer C.XCloseDisplay(d)
	if C.close_window(d, C.Window(id)) == 0 {
		fmt.Fprintf(os.Stderr, "desktoptest: could not send WM_DELETE_WINDOW to %s\n", arg)
		os.Exit(1)
	}
}

// daemon implements the methods of the Desktop Notifications Specification
// that a client calls.
type daemon struct {
	mu   sync.Mutex
	next uint32
	last shown
}

// shown is a notification on the fake screen.
type shown struct {
	id      uint32
	sender  dbus.Sender
	actions []string
}

func (d *daemon) Notify(sender dbus.Sender, app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.next++
	d.last = shown{id: d.next, sender: sender, actions: actions}
	fmt.Printf("NOTIFY %s|%s|%s\n", app, summary, body)
	fmt.Printf("ACTIONS %d %s\n", d.next, strings.Join(actions, ","))
	return d.next, nil
}

func (d *daemon) GetCapabilities() ([]string, *dbus.Error) { return []string{"body", "actions"}, nil }

func (d *daemon) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "desktoptest", "patchbay", "1", "1.2", nil
}

func (d *daemon) CloseNotification(id uint32) *dbus.Error { return nil }

// click does what a server does when the user clicks the last notification:
// the default action, sent to the connection that showed it, then closes it
// (reason 2, dismissed by the user).
func (d *daemon) click(conn *dbus.Conn) {
	d.mu.Lock()
	n := d.last
	d.mu.Unlock()
	if n.id == 0 || !slices.Contains(n.actions, "default") {
		fmt.Printf("NOT CLICKABLE %d: no default action in %q\n", n.id, n.actions)
		return
	}
	if err := sendTo(conn, n.sender, "ActionInvoked", n.id, "default"); err != nil {
		fmt.Fprintf(os.Stderr, "desktoptest notifyd: ActionInvoked: %v\n", err)
		return
	}
	if err := sendTo(conn, n.sender, "NotificationClosed", n.id, uint32(2)); err != nil {
		fmt.Fprintf(os.Stderr, "desktoptest notifyd: NotificationClosed: %v\n", err)
		return
	}
	fmt.Printf("CLICKED %d\n", n.id)
}

// sendTo sends one org.freedesktop.Notifications signal to dest only.
func sendTo(conn *dbus.Conn, dest dbus.Sender, member string, body ...any) error {
	msg := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:        dbus.MakeVariant(dbus.ObjectPath("/org/freedesktop/Notifications")),
		dbus.FieldInterface:   dbus.MakeVariant("org.freedesktop.Notifications"),
		dbus.FieldMember:      dbus.MakeVariant(member),
		dbus.FieldDestination: dbus.MakeVariant(string(dest)),
		dbus.FieldSignature:   dbus.MakeVariant(dbus.SignatureOf(body...)),
	}, Body: body}
	return conn.Send(msg, nil).Err
}

func notifyd() {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		fmt.Fprintf(os.Stderr, "desktoptest notifyd: no session bus: %v\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	const name = "org.freedesktop.Notifications"
	d := &daemon{}
	if err := conn.Export(d, "/org/freedesktop/Notifications", name); err != nil {
		fmt.Fprintf(os.Stderr, "desktoptest notifyd: %v\n", err)
		os.Exit(1)
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		fmt.Fprintf(os.Stderr, "desktoptest notifyd: could not own %s (%v, reply %d)\n", name, err, reply)
		os.Exit(1)
	}
	clicks := make(chan os.Signal, 1)
	signal.Notify(clicks, syscall.SIGUSR1)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	fmt.Println("READY")
	for {
		select {
		case <-clicks:
			d.click(conn)
		case <-stop:
			return
		}
	}
}
