package desktop

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Autostart is the XDG autostart entry that starts Patchbay when the user
// logs in (freedesktop.org Desktop Application Autostart Specification:
// $XDG_CONFIG_HOME/autostart/NAME.desktop, read by GNOME, KDE, XFCE and
// most Linux desktops). Settings' "Start at login" writes and removes it;
// its existence is the setting.
type Autostart struct {
	// Dir is the autostart directory (AutostartDir()).
	Dir string
	// Exec is the absolute path of the patchbay binary.
	Exec string
	// Args are passed to it (a --data-dir other than the default).
	Args []string
}

// AutostartDir is $XDG_CONFIG_HOME/autostart (~/.config/autostart).
func AutostartDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the autostart directory: %w", err)
	}
	return filepath.Join(base, "autostart"), nil
}

func (a Autostart) path() string { return filepath.Join(a.Dir, "patchbay.desktop") }

// Enabled reports whether the entry exists.
func (a Autostart) Enabled() (bool, error) {
	_, err := os.Stat(a.path())
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// SetEnabled writes the entry (on) or removes it (off).
func (a Autostart) SetEnabled(on bool) error {
	if !on {
		if err := os.Remove(a.path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", a.path(), err)
		}
		return nil
	}
	if !filepath.IsAbs(a.Exec) {
		return fmt.Errorf("autostart: the program path %q is not absolute", a.Exec)
	}
	if err := os.MkdirAll(a.Dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", a.Dir, err)
	}
	tmp := a.path() + ".tmp"
	if err := os.WriteFile(tmp, []byte(a.Entry()), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, a.path()); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", a.path(), err)
	}
	return nil
}

// Entry is the desktop entry's text.
func (a Autostart) Entry() string {
	exec := make([]string, 0, 1+len(a.Args))
	for _, arg := range append([]string{a.Exec}, a.Args...) {
		exec = append(exec, quoteExec(arg))
	}
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=Patchbay\n" +
		"Comment=Keeps your team's third-party integrations connected\n" +
		"Exec=" + strings.Join(exec, " ") + "\n" +
		// An autostart implementation skips the entry when the program is
		// gone (the package removed, the user's data and this entry kept).
		"TryExec=" + escapeString(a.Exec) + "\n" +
		"Icon=patchbay\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n"
}

// escapeString escapes a value of type string (Desktop Entry
// Specification, "Possible value types"): \ \n \t \r.
func escapeString(v string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`, "\r", `\r`).Replace(v)
}

// quoteExec quotes one argument of an Exec key (Desktop Entry
// Specification, "The Exec key"): arguments with reserved characters go in
// double quotes, with ", `, $ and \ escaped by a backslash; a literal % is
// written %%. The key's value is then escaped as a string (\ becomes \\).
func quoteExec(arg string) string {
	arg = strings.ReplaceAll(arg, "%", "%%")
	if arg != "" && !strings.ContainsAny(arg, " \t\n\"'\\><~|&;$*?#()`=") {
		return arg
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range arg {
		if strings.ContainsRune("\"`$\\", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return strings.ReplaceAll(b.String(), `\`, `\\`)
}
