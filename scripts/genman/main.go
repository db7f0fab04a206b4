// Command genman writes Patchbay's man page, patchbay(1), from the command
// line's own help (cli.Main's `help` and each command's --help), so the page
// cannot drift from the program. `make package` puts it in the .deb.
//
// Usage: go run ./scripts/genman VERSION > patchbay.1
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"patchbay/backend/cli"
)

func main() {
	version := "dev"
	if len(os.Args) > 1 {
		version = os.Args[1]
	}
	if err := write(os.Stdout, version); err != nil {
		fmt.Fprintln(os.Stderr, "genman:", err)
		os.Exit(1)
	}
}

// help runs the command line with args and returns what it printed.
func help(args ...string) (string, error) {
	var out, errb bytes.Buffer
	if code := cli.Main(args, cli.Env{Stdout: &out, Stderr: &errb}); code != cli.ExitOK {
		return "", fmt.Errorf("patchbay %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	return out.String(), nil
}

var command = regexp.MustCompile(`^  patchbay ([a-z][a-z-]*)\b`)

func write(w io.Writer, version string) error {
	top, err := help("help")
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimRight(top, "\n"), "\n")
	var synopsis []string
	var commands []string
	for _, l := range lines {
		if strings.HasPrefix(l, "  patchbay") {
			synopsis = append(synopsis, strings.TrimSpace(l))
			if m := command.FindStringSubmatch(l); m != nil && m[1] != "help" {
				commands = append(commands, m[1])
			}
		} else if strings.HasPrefix(l, "                              ") && len(synopsis) > 0 {
			synopsis[len(synopsis)-1] += " " + strings.TrimSpace(l)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, ".TH PATCHBAY 1 \"\" \"patchbay %s\" \"User Commands\"\n", esc(version))
	b.WriteString(".SH NAME\npatchbay \\- keep a team's third-party integrations connected\n")
	b.WriteString(".SH SYNOPSIS\n.nf\n")
	for _, s := range synopsis {
		b.WriteString(esc(s) + "\n")
	}
	b.WriteString(".fi\n.SH DESCRIPTION\n")
	b.WriteString(esc(lines[0]) + "\n")
	b.WriteString(".PP\nWith no command, Patchbay opens its desktop window. One window runs per data directory: launching it again brings the running window to the front.\n")
	b.WriteString(".SH OPTIONS\nThe flags of the desktop window:\n")
	if err := section(&b, ""); err != nil {
		return err
	}
	b.WriteString(".SH COMMANDS\n")
	for _, c := range commands {
		fmt.Fprintf(&b, ".SS patchbay %s\n", esc(c))
		if c == "version" {
			b.WriteString("Prints the version.\n")
			continue
		}
		if err := section(&b, c); err != nil {
			return err
		}
	}
	b.WriteString(".SH ENVIRONMENT\n.TP\n.B PATCHBAY_DATA_DIR\nThe data directory when \\-\\-data\\-dir is not given.\n")
	b.WriteString(".SH FILES\n.TP\n.I ~/.config/patchbay/\nThe default data directory: the database (patchbay.db) and the log (patchbay.log). Secrets are in the OS keyring.\n")
	b.WriteString(".TP\n.I ~/.config/autostart/patchbay.desktop\nWritten by Settings > Start at login.\n")
	_, err = io.WriteString(w, b.String())
	return err
}

// section writes one command's --help as preformatted text.
func section(b *strings.Builder, cmd string) error {
	args := []string{"--help"}
	if cmd != "" {
		args = []string{cmd, "--help"}
	}
	text, err := help(args...)
	if err != nil {
		return err
	}
	b.WriteString(".nf\n")
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		b.WriteString(esc(l) + "\n")
	}
	b.WriteString(".fi\n")
	return nil
}

// esc makes a line of text safe in roff: backslashes, and a leading period
// or apostrophe (a request).
func esc(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
