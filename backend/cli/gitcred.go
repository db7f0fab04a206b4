package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"patchbay/backend/service"
)

const gitCredentialUsage = `Usage: patchbay git-credential [flags] get|store|erase
       patchbay git-credential install [--global] [flags]

A git credential helper (gitcredentials(7)): git asks it for the credential of
an https remote and it answers with the username the forge expects
(x-access-token for GitHub, oauth2 for GitLab, x-token-auth for Bitbucket
OAuth, x-bitbucket-api-token-auth for a Bitbucket API token) and a fresh token
of the connection that serves the remote's host and path (set per connection
on its Settings tab; by default the provider's own host). OAuth tokens are
refreshed through the same single-flight, cross-process refresher as the
window. A remote no connection serves gets no answer, so git asks its other
helpers. 'erase' (git was refused) deletes nothing: it records the rejection
and checks the connection now. 'store' does nothing: the token is kept by
Patchbay. 'install' adds the helper line to git's config (the repository's, or
yours with --global).`

// readGitRequest reads a credential description: key=value lines up to a
// blank line or the end.
func readGitRequest(r io.Reader) (service.GitRequest, error) {
	var req service.GitRequest
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch k {
		case "protocol":
			req.Protocol = v
		case "host":
			req.Host = v
		case "path":
			req.Path = v
		case "url":
			if u, err := url.Parse(v); err == nil {
				req.Protocol, req.Host, req.Path = u.Scheme, u.Host, strings.TrimPrefix(u.Path, "/")
			}
		}
	}
	return req, sc.Err()
}

func runGitCredential(args []string, env Env) int {
	var c common
	fl := newFlagSet("git-credential", gitCredentialUsage, env)
	c.register(fl)
	global := fl.Bool("global", false, "with install: write to your global git config (~/.gitconfig) instead of the repository's")
	pos, code, done := parseWithArgs(fl, args, env)
	if done {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(env.Stderr, "patchbay git-credential: give one action: get, store, erase or install.")
		return ExitUsage
	}
	action := pos[0]
	switch action {
	case "store":
		_, _ = io.Copy(io.Discard, env.Stdin) // Patchbay keeps the token itself
		return ExitOK
	case "install":
		return installGitHelper(c, *global, env)
	case "get", "erase":
	default:
		fmt.Fprintf(env.Stderr, "patchbay git-credential: unknown action %q: use get, store, erase or install.\n", action)
		return ExitUsage
	}
	req, err := readGitRequest(env.Stdin)
	if err != nil {
		fmt.Fprintf(env.Stderr, "patchbay git-credential: read git's request: %v\n", err)
		return ExitAttention
	}
	if !dataDirExists(c, "git-credential", env) {
		return ExitUsage
	}
	c.quiet, c.actor = true, actorFor("git-credential")
	return withApp(c, env, func(ctx context.Context, app *app) int {
		if action == "erase" {
			conn, ok, err := app.svc.GitRejected(ctx, req)
			if err != nil {
				return brokerFail(env, "git-credential", err)
			}
			if ok && conn.Status != "active" {
				fmt.Fprintf(env.Stderr, "patchbay: %q: %s Open Patchbay and re-authenticate it.\n", conn.Label, conn.StatusDescription)
			}
			return ExitOK
		}
		t, ok, err := app.svc.GitCredential(ctx, req)
		if !ok && err == nil {
			return ExitOK // not ours: git asks its other helpers
		}
		if err != nil {
			return brokerFail(env, "git-credential", err)
		}
		fmt.Fprintf(env.Stdout, "username=%s\npassword=%s\n", t.Username, t.Token)
		if t.ExpiresAt != nil && t.Type == "oauth2" {
			fmt.Fprintf(env.Stdout, "password_expiry_utc=%d\n", t.ExpiresAt.Unix())
		}
		return ExitOK
	})
}

// helperLine is the credential.helper value that runs this executable.
func helperLine(c common) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the patchbay executable: %w", err)
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	line := "!" + shellQuote(exe) + " git-credential"
	if c.dataDir != "" {
		d, err := filepath.Abs(c.dataDir)
		if err != nil {
			return "", err
		}
		line += " --data-dir " + shellQuote(d)
	}
	if c.insecureFile {
		line += " --insecure-file-secrets"
	}
	return line, nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// installGitHelper adds Patchbay to git's credential helpers (once), and
// turns on credential.useHttpPath for the hosts of scopes with a path
// prefix, so git sends the path the prefix is matched against.
func installGitHelper(c common, global bool, env Env) int {
	line, err := helperLine(c)
	if err != nil {
		return fail(env, err)
	}
	scope := []string{"--local"}
	if global {
		scope = []string{"--global"}
	}
	ctx, cancel := context.WithTimeout(env.Context, 30*time.Second)
	defer cancel()
	gitCfg := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", append(append([]string{"config"}, scope...), args...)...)
		out, err := cmd.Output()
		return string(out), err
	}
	existing, _ := gitCfg("--get-all", "credential.helper")
	if !strings.Contains(existing, line) {
		if _, err := gitCfg("--add", "credential.helper", line); err != nil {
			fmt.Fprintf(env.Stderr, "patchbay git-credential install: git config failed (%v). Run it inside a repository, or pass --global.\n", err)
			return ExitAttention
		}
		fmt.Fprintf(env.Stdout, "Added to git's credential helpers (%s): %s\n", strings.TrimPrefix(scope[0], "--"), line)
	} else {
		fmt.Fprintln(env.Stdout, "Patchbay is already one of git's credential helpers.")
	}
	if !dataDirExists(c, "git-credential install", Env{Stderr: io.Discard}) {
		return ExitOK
	}
	c.quiet = true
	return withApp(c, env, func(ctx context.Context, app *app) int {
		conns, err := app.svc.ListConnections(ctx)
		if err != nil {
			return fail(env, err)
		}
		seen := map[string]bool{}
		for _, conn := range conns {
			host, path, _ := strings.Cut(app.svc.GitScope(conn), "/")
			if path == "" || seen[host] {
				continue
			}
			seen[host] = true
			if _, err := gitCfg("credential.https://"+host+".useHttpPath", "true"); err != nil {
				fmt.Fprintf(env.Stderr, "patchbay git-credential install: could not set credential.https://%s.useHttpPath: %v\n", host, err)
				continue
			}
			fmt.Fprintf(env.Stdout, "git now sends the repository path to Patchbay for %s (a connection serves only %s).\n", host, app.svc.GitScope(conn))
		}
		return ExitOK
	})
}
