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
//	                              notification ("NOTIFY app|summary|body")
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
	"strconv"
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
type daemon struct{ next uint32 }

func (d *daemon) Notify(app string, replaces uint32, icon, summary, body string, actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	d.next++
	fmt.Printf("NOTIFY %s|%s|%s\n", app, summary, body)
	return d.next, nil
}

func (d *daemon) GetCapabilities() ([]string, *dbus.Error) { return []string{"body"}, nil }

func (d *daemon) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "desktoptest", "patchbay", "1", "1.2", nil
}

func (d *daemon) CloseNotification(id uint32) *dbus.Error { return nil }

func notifyd() {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		fmt.Fprintf(os.Stderr, "desktoptest notifyd: no session bus: %v\n", err)
		os.Exit(1)
	}
	defer conn.Close()
	const name = "org.freedesktop.Notifications"
	if err := conn.Export(&daemon{}, "/org/freedesktop/Notifications", name); err != nil {
		fmt.Fprintf(os.Stderr, "desktoptest notifyd: %v\n", err)
		os.Exit(1)
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		fmt.Fprintf(os.Stderr, "desktoptest notifyd: could not own %s (%v, reply %d)\n", name, err, reply)
		os.Exit(1)
	}
	fmt.Println("READY")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
