package desktop_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"patchbay/backend/desktop"
)

// wailsInstance is what Wails v2.16.0's SetupSingleInstance
// (internal/frontend/desktop/linux/single_instance.go) exports for the first
// instance: SendMessage(string) under org.wails_app_<id>.SingleInstance.
type wailsInstance struct{ got chan string }

func (w wailsInstance) SendMessage(message string) *dbus.Error {
	w.got <- message
	return nil
}

func TestInstanceIDIsPerDataDirectory(t *testing.T) {
	a, b := desktop.InstanceID("/home/ada/.config/patchbay"), desktop.InstanceID("/tmp/other")
	if a == b || a != desktop.InstanceID("/home/ada/.config/patchbay/") {
		t.Fatalf("ids %q %q: want one id per directory", a, b)
	}
	if !strings.HasPrefix(a, "patchbay-") || strings.ContainsAny(a, "./") {
		t.Fatalf("id %q is not a usable D-Bus name part", a)
	}
}

func TestBringToFrontReachesTheRunningInstance(t *testing.T) {
	addr := privateBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	in := desktop.Instance{ID: desktop.InstanceID("/data/one"), Address: addr}

	// Nobody running: the caller starts normally.
	if running, err := in.BringToFront(ctx, []string{"--data-dir", "/data/one"}, "/work"); err != nil || running {
		t.Fatalf("no instance: running=%v err=%v", running, err)
	}

	first, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	id := "wails_app_" + strings.ReplaceAll(strings.ReplaceAll(in.ID, "-", "_"), ".", "_")
	name, path := "org."+id+".SingleInstance", dbus.ObjectPath("/org/"+id+"/SingleInstance")
	w := wailsInstance{got: make(chan string, 1)}
	if err := first.Export(w, path, name); err != nil {
		t.Fatal(err)
	}
	if reply, err := first.RequestName(name, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name: %v %v", reply, err)
	}

	running, err := in.BringToFront(ctx, []string{"--data-dir", "/data/one"}, "/work")
	if err != nil || !running {
		t.Fatalf("with an instance: running=%v err=%v", running, err)
	}
	select {
	case msg := <-w.got:
		var d struct {
			Args             []string
			WorkingDirectory string
		}
		if err := json.Unmarshal([]byte(msg), &d); err != nil || strings.Join(d.Args, " ") != "--data-dir /data/one" || d.WorkingDirectory != "/work" {
			t.Fatalf("the running instance got %q (%v)", msg, err)
		}
	case <-ctx.Done():
		t.Fatal("the running instance got no message within 10 s")
	}

	// Another data directory is another instance.
	other := desktop.Instance{ID: desktop.InstanceID("/data/two"), Address: addr}
	if running, err := other.BringToFront(ctx, nil, "/work"); err != nil || running {
		t.Fatalf("another data directory: running=%v err=%v", running, err)
	}
}
