package desktop_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/backend/desktop"
)

func TestAutostartEntryIsWrittenAndRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "autostart")
	a := desktop.Autostart{Dir: dir, Exec: "/usr/bin/patchbay", Args: []string{"--data-dir", "/home/ada/My Patchbay"}}
	if on, err := a.Enabled(); err != nil || on {
		t.Fatalf("before: on=%v err=%v", on, err)
	}
	if err := a.SetEnabled(true); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(filepath.Join(dir, "patchbay.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[Desktop Entry]\n", "Type=Application\n", "Name=Patchbay\n", `Exec=/usr/bin/patchbay --data-dir "/home/ada/My Patchbay"` + "\n", "TryExec=/usr/bin/patchbay\n", "X-GNOME-Autostart-enabled=true\n"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("entry lacks %q:\n%s", want, body)
		}
	}
	if on, err := a.Enabled(); err != nil || !on {
		t.Fatalf("after writing: on=%v err=%v", on, err)
	}
	if err := a.SetEnabled(false); err != nil {
		t.Fatal(err)
	}
	if on, err := a.Enabled(); err != nil || on {
		t.Fatalf("after removing: on=%v err=%v", on, err)
	}
	if err := a.SetEnabled(false); err != nil {
		t.Fatalf("removing twice: %v", err)
	}
	if err := (desktop.Autostart{Dir: dir, Exec: "patchbay"}).SetEnabled(true); err == nil {
		t.Fatal("a relative program path was accepted")
	}
}

func TestAutostartExecQuoting(t *testing.T) {
	a := desktop.Autostart{Exec: "/opt/patch bay/patchbay", Args: []string{"--data-dir", `/d/$x"y\z`, "50%"}}
	want := `Exec="/opt/patch bay/patchbay" --data-dir "/d/\\$x\\"y\\\\z" 50%%` + "\n"
	if !strings.Contains(a.Entry(), want) {
		t.Fatalf("entry:\n%s\nwant line %q", a.Entry(), want)
	}
	if want := "TryExec=/opt/patch bay/patchbay\n"; !strings.Contains(a.Entry(), want) {
		t.Fatalf("entry:\n%s\nwant line %q", a.Entry(), want)
	}
}
