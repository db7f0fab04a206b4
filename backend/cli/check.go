package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"text/tabwriter"

	"patchbay/backend/domain"
)

// checkLine is one connection's row in `patchbay check` output.
type checkLine struct {
	ID          string       `json:"id"`
	Label       string       `json:"label"`
	Provider    string       `json:"provider"`
	Status      string       `json:"status"`
	Interrupted bool         `json:"interrupted"`
	Class       domain.Class `json:"class"`
	Message     string       `json:"message"`
	Action      string       `json:"action,omitempty"`
}

// healthy reports whether the line needs no attention.
func (l checkLine) healthy() bool { return l.Status == string(domain.StatusActive) && !l.Interrupted }

func runCheck(args []string, env Env) int {
	var c common
	fl := newFlagSet("check", "Usage: patchbay check [--json] [--connection ID] [flags]\n\nValidates connections against their providers now and records the results.\nExit status: 0 when all are healthy, 1 when any needs attention, 2 on usage errors.", env)
	c.register(fl)
	asJSON := fl.Bool("json", false, "print JSON instead of a table")
	only := fl.String("connection", "", "check only the connection with this id")
	if code, done := parse(fl, args, env); done {
		return code
	}
	if !dataDirExists(c, "check", env) {
		return ExitUsage
	}
	c.actor = actorFor("check")
	return withApp(c, env, func(ctx context.Context, app *app) int { return check(ctx, app, *only, *asJSON, env) })
}

// dataDirExists reports whether the data directory of a command that only
// reads what is there (check, export) exists; when it does not, it says so on
// stderr and creates nothing, so a mistyped --data-dir in a CI script fails
// instead of passing on an empty new directory. --demo brings its own.
func dataDirExists(c common, cmd string, env Env) bool {
	if c.demo {
		return true
	}
	dir, err := dataDir(c)
	if err != nil {
		fmt.Fprintf(env.Stderr, "patchbay %s: %s\n", cmd, domain.Public(err).Message)
		return false
	}
	st, err := os.Stat(dir)
	switch {
	case err == nil && st.IsDir():
		return true
	case err == nil:
		fmt.Fprintf(env.Stderr, "patchbay %s: %s is a file, not a data directory. Pass the directory Patchbay keeps its data in with --data-dir.\n", cmd, dir)
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(env.Stderr, "patchbay %s: the data directory %s does not exist. Check the path given to --data-dir or PATCHBAY_DATA_DIR; run the app once to create it.\n", cmd, dir)
	default:
		fmt.Fprintf(env.Stderr, "patchbay %s: cannot read the data directory %s (%v).\n", cmd, dir, err)
	}
	return false
}

// check validates the connections and prints the result.
func check(ctx context.Context, app *app, only string, asJSON bool, env Env) int {
	lines, err := checkAll(ctx, app, only)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENotFound {
			fmt.Fprintf(env.Stderr, "patchbay check: %s\n", domain.Public(err).Message)
			return ExitUsage
		}
		return fail(env, err)
	}
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(lines)
	} else {
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLABEL\tPROVIDER\tSTATUS\tRESULT\tMESSAGE")
		for _, l := range lines {
			status := l.Status
			if l.Interrupted {
				status = "interrupted"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, l.Label, l.Provider, status, l.Class, l.Message)
		}
		_ = tw.Flush()
		if len(lines) == 0 {
			fmt.Fprintln(env.Stdout, "No connections yet. Add one in the app (patchbay, or patchbay serve).")
		}
	}
	for _, l := range lines {
		if !l.healthy() {
			return ExitAttention
		}
	}
	return ExitOK
}

func checkAll(ctx context.Context, a *app, only string) ([]checkLine, error) {
	var ids []string
	if only != "" {
		ids = []string{only}
	} else {
		conns, err := a.svc.ListConnections(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range conns {
			ids = append(ids, c.ID)
		}
	}
	lines := []checkLine{}
	for _, id := range ids {
		c, err := a.svc.CheckConnection(ctx, id)
		if err != nil {
			return nil, err
		}
		l := checkLine{ID: c.ID, Label: c.Label, Provider: c.Provider, Status: string(c.Status), Interrupted: c.Interrupted(), Class: domain.ClassOK, Message: c.StatusDescription}
		if c.LastError != nil {
			l.Class, l.Message, l.Action = c.LastError.Class, c.LastError.Message, c.LastError.Action
		}
		lines = append(lines, l)
	}
	return lines, nil
}
