package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
	"patchbay/backend/store"
)

// TestMain lets git run this test binary as `patchbay` (the credential
// helper) when PATCHBAY_CLI_TEST_MAIN=1.
func TestMain(m *testing.M) {
	if os.Getenv("PATCHBAY_CLI_TEST_MAIN") == "1" {
		os.Exit(Main(os.Args[1:], Env{}))
	}
	// One in-process keyring for the whole test binary, set before any test
	// starts: go-keyring's provider is a package variable, and a test that
	// swapped it (MockInit) while another test's backend start was still
	// probing the keyring was a data race (TestLogFileInDataDir, -race).
	// The three-process test's children keep the real one: with no session
	// bus they fall back to the data directory's secrets file, as the
	// parent that wrote the connection expects.
	if os.Getenv("PATCHBAY_3P_ROLE") == "" {
		keyring.MockInit()
	}
	os.Exit(m.Run())
}

const gitHTTPBackend = "/usr/lib/git-core/git-http-backend"

// gitServer is a smart-HTTP git server: the real git http-backend (the
// Debian git package) run through net/http/cgi behind basic auth that
// accepts only the username and token it is set to (GitHub's documented
// form for HTTPS git: docs.github.com, "Authenticating with GitHub Apps":
// username x-access-token, the token as password).
type gitServer struct {
	mu         sync.Mutex
	user, pass string
	refused    int
}

func (g *gitServer) set(user, pass string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.user, g.pass = user, pass
}

func (g *gitServer) handler(root string) http.Handler {
	backend := &cgi.Handler{Path: gitHTTPBackend, Root: "/git",
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		g.mu.Lock()
		good := ok && u == g.user && p == g.pass
		if !good {
			g.refused++
		}
		g.mu.Unlock()
		if !good {
			w.Header().Set("WWW-Authenticate", `Basic realm="test git"`)
			http.Error(w, "Authentication required", http.StatusUnauthorized)
			return
		}
		r.Header.Del("Authorization")
		// http-backend allows a push only from an authenticated user.
		backend.Env = append(backend.Env[:2:2], "REMOTE_USER="+u)
		backend.ServeHTTP(w, r)
	})
}

// gitEnv is the environment of git and the helper: an empty home and no
// system config, no prompts, no keyring (the helper uses the 0600 secrets
// file, as the test does), and TestMain's switch.
func gitEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") && !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus", "PATCHBAY_CLI_TEST_MAIN=1",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=t@example.com")
}

func gitRun(t *testing.T, env []string, dir string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// The real git clones and pushes a protected repository through
// `patchbay git-credential` (installed with `install --global`), with the
// GitHub username from the catalogue and the connection's current token;
// when the server refuses it, git's erase makes Patchbay check the
// connection (not delete it), and after re-authentication git works again.
func TestGitCredentialHelperWithRealGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is not installed (Debian package git): the credential helper cannot be tested")
	}
	if _, err := os.Stat(gitHTTPBackend); err != nil {
		t.Fatalf("%s is missing (Debian package git): %v", gitHTTPBackend, err)
	}
	ctx := context.Background()
	tmp := t.TempDir()
	dataDir, home, root := filepath.Join(tmp, "data"), filepath.Join(tmp, "home"), filepath.Join(tmp, "repos")
	for _, d := range []string{dataDir, home, root} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	env := gitEnv(home)

	// A bare repository with one commit, pushable over HTTP.
	bare := filepath.Join(root, "acme", "widgets.git")
	seed := filepath.Join(tmp, "seed")
	for _, args := range [][]string{
		{"init", "--bare", "--initial-branch=main", bare},
		{"-C", bare, "config", "http.receivepack", "true"},
		{"init", "--initial-branch=main", seed},
		{"-C", seed, "commit", "--allow-empty", "-m", "first"},
		{"-C", seed, "push", bare, "main"},
	} {
		if out, err := gitRun(t, env, tmp, args...); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gs := &gitServer{}
	gitSrv := httptest.NewServer(gs.handler(root))
	defer gitSrv.Close()
	fake := fakes.New()
	apiSrv := httptest.NewServer(fake.Handler())
	defer apiSrv.Close()

	// The connection, in the data directory the helper reads (secrets in
	// its 0600 file: the helper process has no keyring here).
	st, err := store.Open(filepath.Join(dataDir, "patchbay.db"))
	if err != nil {
		t.Fatal(err)
	}
	sec, err := secrets.NewFile(filepath.Join(dataDir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: st, Secrets: sec, Catalogue: cat, LockDir: dataDir, Log: discardLog()})
	defer st.Close()
	if err := svc.EnsureDefaultWorkspace(ctx); err != nil {
		t.Fatal(err)
	}
	ws, _ := svc.ListWorkspaces(ctx)
	conn, err := svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "github", AuthMode: "pat", Label: "Acme GitHub", WorkspaceIDs: []string{ws[0].ID},
		BaseURL: apiSrv.URL + "/github", Config: map[string]string{"email": "bots@example.com"}, Secrets: map[string]string{"token": fakes.GitHubToken}})
	if err != nil {
		t.Fatal(err)
	}
	gitHost := strings.TrimPrefix(gitSrv.URL, "http://")
	if _, err := svc.SetGitSettings(ctx, conn.ID, domain.GitSettings{Scope: gitHost + "/git/acme"}); err != nil {
		t.Fatal(err)
	}
	gs.set("x-access-token", fakes.GitHubToken)

	// install --global, run as git would find it.
	inst := exec.Command(os.Args[0], "git-credential", "install", "--global", "--data-dir", dataDir, "--insecure-file-secrets")
	inst.Env = env
	if out, err := inst.CombinedOutput(); err != nil || !strings.Contains(string(out), "Added to git's credential helpers") {
		t.Fatalf("install: %v\n%s", err, out)
	}
	cfg, _ := os.ReadFile(filepath.Join(home, ".gitconfig"))
	if !strings.Contains(string(cfg), "git-credential --data-dir") {
		t.Fatalf("~/.gitconfig after install:\n%s", cfg)
	}
	// Path prefixes need the path: the test's host is http (loopback), so
	// turn useHttpPath on for it as install does for https hosts.
	if out, err := gitRun(t, env, tmp, "config", "--global", "credential."+gitSrv.URL+".useHttpPath", "true"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	inst = exec.Command(os.Args[0], "git-credential", "install", "--global", "--data-dir", dataDir, "--insecure-file-secrets")
	inst.Env = env
	if out, err := inst.CombinedOutput(); err != nil || !strings.Contains(string(out), "already") {
		t.Fatalf("second install: %v\n%s", err, out)
	}

	remote := gitSrv.URL + "/git/acme/widgets.git"
	work := filepath.Join(tmp, "work")
	if out, err := gitRun(t, env, tmp, "clone", remote, work); err != nil {
		t.Fatalf("clone through the helper: %v\n%s", err, out)
	}
	if out, err := gitRun(t, env, work, "commit", "--allow-empty", "-m", "second"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if out, err := gitRun(t, env, work, "push", "origin", "main"); err != nil {
		t.Fatalf("push through the helper: %v\n%s", err, out)
	}
	if out, _ := gitRun(t, env, tmp, "-C", bare, "log", "--format=%s", "main"); !strings.Contains(out, "second") {
		t.Fatalf("the push did not arrive: %q", out)
	}
	// A repository outside the connection's path prefix gets no answer.
	if out, err := gitRun(t, env, tmp, "ls-remote", gitSrv.URL+"/git/other/x.git"); err == nil || !strings.Contains(out, "could not read Username") {
		t.Fatalf("a repository no connection serves: %v %s", err, out)
	}

	// The token is revoked at the provider and the git server: git's erase
	// makes Patchbay check the connection; nothing is deleted.
	fake.SetKey(fakes.GitHubToken, false)
	gs.set("x-access-token", fakes.GitHubToken2)
	if out, err := gitRun(t, env, work, "fetch"); err == nil {
		t.Fatalf("fetch with a revoked token worked: %s", out)
	}
	got, err := svc.GetConnection(ctx, conn.ID)
	if err != nil || got.Status != domain.StatusError {
		t.Fatalf("after git's erase the connection is %s (%v), want error", got.Status, err)
	}
	if v, err := sec.Get(ctx, "connection/"+conn.ID); err != nil || !strings.Contains(v, fakes.GitHubToken) {
		t.Fatalf("erase deleted the credential: %v", err)
	}
	// Re-authenticated: git works again with the new token.
	if _, err := svc.ReauthenticateConnection(ctx, conn.ID, domain.ReauthDraft{Config: map[string]string{"email": "bots@example.com"}, Secrets: map[string]string{"token": fakes.GitHubToken2}}); err != nil {
		t.Fatal(err)
	}
	if out, err := gitRun(t, env, work, "fetch"); err != nil {
		t.Fatalf("fetch after re-authentication: %v\n%s", err, out)
	}
	events, _ := svc.ListAudit(ctx, domain.AuditFilter{ConnectionID: conn.ID})
	var handed, rejected int
	for _, e := range events {
		switch e.Action {
		case domain.AuditTokenHandedOut:
			handed++
			if !strings.HasPrefix(e.Actor, "git-credential (caller: git") {
				t.Errorf("actor %q", e.Actor)
			}
		case domain.AuditCredentialRejected:
			rejected++
		}
	}
	if handed < 3 || rejected != 1 {
		t.Fatalf("audit: %d hand-outs, %d rejections: %+v", handed, rejected, events)
	}
	for _, p := range []string{filepath.Join(dataDir, "patchbay.db"), filepath.Join(dataDir, "patchbay.db-wal"), filepath.Join(dataDir, LogFileName), filepath.Join(home, ".gitconfig")} {
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte(fakes.GitHubToken)) || bytes.Contains(b, []byte(fakes.GitHubToken2)) {
			t.Errorf("%s contains a token", p)
		}
	}
}

// The helper's protocol without git: get answers only for a matching
// https (or loopback http) remote, with the catalogue's username.
func TestGitCredentialProtocol(t *testing.T) {
	req, err := readGitRequest(strings.NewReader("protocol=https\nhost=github.com\npath=acme/x.git\nwwwauth[]=Basic\n\nignored=1\n"))
	if err != nil || req != (service.GitRequest{Protocol: "https", Host: "github.com", Path: "acme/x.git"}) {
		t.Fatalf("read: %+v %v", req, err)
	}
	req, _ = readGitRequest(strings.NewReader("url=https://gitlab.example.com:8443/group/p.git\n"))
	if req != (service.GitRequest{Protocol: "https", Host: "gitlab.example.com:8443", Path: "group/p.git"}) {
		t.Fatalf("url: %+v", req)
	}
	for _, args := range [][]string{{"git-credential"}, {"git-credential", "frob"}} {
		if code, _, _ := run(args...); code != ExitUsage {
			t.Errorf("%v: %d", args, code)
		}
	}
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
