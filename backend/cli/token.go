package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"patchbay/backend/domain"
)

// tokenJSON is `patchbay token --json`'s output.
type tokenJSON struct {
	Token     string     `json:"token"`
	Type      string     `json:"type"`
	ExpiresAt *time.Time `json:"expiresAt"`
	Scopes    []string   `json:"scopes"`
}

// parseWithArgs parses flags that may come before or after the positional
// arguments (patchbay token CONN --json), returning the positionals.
func parseWithArgs(fl *flag.FlagSet, args []string, env Env) (pos []string, code int, done bool) {
	for {
		err := fl.Parse(args)
		if err != nil {
			code, done = parse(fl, args, env) // reports --help and usage errors
			return nil, code, done
		}
		if fl.NArg() == 0 {
			return pos, 0, false
		}
		pos = append(pos, fl.Arg(0))
		args = fl.Args()[1:]
	}
}

// callerName names the process that ran this command (for the audit log):
// the parent's name, and the grandparent's when the parent is a shell (git
// runs credential helpers through sh). Empty when it cannot be read.
func callerName() string {
	name := func(pid int) string {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	parentOf := func(pid int) int {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return 0
		}
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			if f := strings.Fields(s[i+1:]); len(f) > 1 {
				n, _ := strconv.Atoi(f[1])
				return n
			}
		}
		return 0
	}
	ppid := os.Getppid()
	p := name(ppid)
	switch p {
	case "sh", "dash", "bash", "zsh":
		if g := name(parentOf(ppid)); g != "" && g != p {
			return g + " via " + p
		}
	}
	return p
}

// actorFor is the audit log's actor of a broker command.
func actorFor(cmd string) string {
	if c := callerName(); c != "" {
		return cmd + " (caller: " + c + ")"
	}
	return cmd
}

func runToken(args []string, env Env) int {
	var c common
	fl := newFlagSet("token", `Usage: patchbay token CONNECTION [--json] [flags]

Prints a fresh access token, API key or PAT of the connection named by its id
or label, for scripts on this machine (for a pool of PATs, the working one with
the most rate limit left). OAuth tokens are refreshed through the same
single-flight, cross-process refresher as the window, so running this while the
window or 'patchbay serve' runs never causes refresh-token reuse. The token is
never logged; each hand-out is recorded in the audit log.
Exit status: 0 token printed, 1 the connection needs attention (what to do is
on stderr), 2 usage error or unknown connection.`, env)
	c.register(fl)
	asJSON := fl.Bool("json", false, "print JSON: token, type, expiresAt, scopes")
	pos, code, done := parseWithArgs(fl, args, env)
	if done {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(env.Stderr, "patchbay token: name one connection by its id or label, e.g. patchbay token \"Billing API\".")
		return ExitUsage
	}
	if !dataDirExists(c, "token", env) {
		return ExitUsage
	}
	c.quiet, c.actor = true, actorFor("token")
	return withApp(c, env, func(ctx context.Context, app *app) int {
		t, err := app.svc.HandOutToken(ctx, pos[0])
		if err != nil {
			return brokerFail(env, "token", err)
		}
		if *asJSON {
			enc := json.NewEncoder(env.Stdout)
			_ = enc.Encode(tokenJSON{Token: t.Token, Type: t.Type, ExpiresAt: t.ExpiresAt, Scopes: t.Scopes})
		} else {
			fmt.Fprintln(env.Stdout, t.Token)
		}
		return ExitOK
	})
}

// brokerFail reports a failed hand-out: 2 for a connection that does not
// exist or cannot be named, 1 for one that needs attention.
func brokerFail(env Env, cmd string, err error) int {
	switch domain.ErrorCode(err) {
	case domain.ENotFound, domain.EInvalid:
		fmt.Fprintf(env.Stderr, "patchbay %s: %s\n", cmd, domain.Public(err).Message)
		return ExitUsage
	case domain.EInternal:
		return fail(env, err)
	}
	fmt.Fprintf(env.Stderr, "patchbay %s: %s\n", cmd, domain.Public(err).Message)
	return ExitAttention
}
