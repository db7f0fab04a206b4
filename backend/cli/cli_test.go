package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/service"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func run(args ...string) (int, string, string) {
	var out, errb syncBuffer
	code := Main(args, Env{Stdout: &out, Stderr: &errb, Assets: fstest.MapFS{"index.html": {Data: []byte("x")}}})
	return code, out.String(), errb.String()
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"version"}, ExitOK, "patchbay 0.0.0-dev", ""},
		{[]string{"help"}, ExitOK, "patchbay serve [flags]", ""},
		{[]string{"--help"}, ExitOK, "Opens the Patchbay desktop window", ""},
		{[]string{"serve", "--help"}, ExitOK, "-addr", ""},
		{[]string{"help", "serve"}, ExitOK, "per-start token", ""},
		{[]string{"frobnicate"}, ExitUsage, "", `unknown command "frobnicate"`},
		{[]string{"serve", "--bogus"}, ExitUsage, "", "flag provided but not defined"},
		{[]string{"serve", "extra"}, ExitUsage, "", `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := run(tt.args...)
			if code != tt.code || !strings.Contains(out, tt.stdout) || !strings.Contains(errOut, tt.stderr) {
				t.Fatalf("code %d\nstdout %q\nstderr %q", code, out, errOut)
			}
		})
	}
}

func TestDesktopGetsWiredService(t *testing.T) {
	dir := t.TempDir()
	var got *service.Service
	desktop := func(ctx context.Context, b *Backend, assets fs.FS) error {
		svc, err := b.Service(ctx)
		got = svc
		return err
	}
	code := Main([]string{"--demo", "--data-dir", dir}, Env{Stdout: io.Discard, Stderr: io.Discard, Desktop: desktop})
	if code != ExitOK || got == nil {
		t.Fatalf("code %d, svc %v", code, got)
	}
	if _, err := os.Stat(filepath.Join(dir, "patchbay.db")); err != nil {
		t.Fatalf("database not created in --data-dir: %v", err)
	}
}

func TestNotADatabaseFails(t *testing.T) {
	dir := t.TempDir()
	junk := []byte("this is not sqlite, it is a text file the user keeps here\n")
	if err := os.WriteFile(filepath.Join(dir, "patchbay.db"), junk, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run("serve", "--demo", "--data-dir", dir)
	if code != ExitAttention || !strings.Contains(errOut, "not a Patchbay database") {
		t.Fatalf("code %d stderr %q", code, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "patchbay.db")); !bytes.Equal(b, junk) {
		t.Fatal("the file was modified")
	}
}

func TestServePrintsTokenURLAndServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- Main([]string{"serve", "--demo", "--addr", "127.0.0.1:0"}, Env{Stdout: &out, Stderr: &errb, Context: ctx,
			Assets: fstest.MapFS{"index.html": {Data: []byte("<title>Patchbay</title>")}}})
	}()
	re := regexp.MustCompile(`Patchbay is running at (http://127\.0\.0\.1:\d+)/\?token=([0-9a-f]+)`)
	var m []string
	// A deadline, not a speed target: the demo seeds 29 days of history,
	// which takes seconds under -race on a loaded machine.
	for deadline := time.Now().Add(60 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		m = re.FindStringSubmatch(out.String())
	}
	if m == nil {
		cancel()
		t.Fatalf("no URL printed; stdout %q stderr %q", out.String(), errb.String())
	}
	req, _ := http.NewRequest("POST", m[1]+"/api/rpc/GetAppInfo", strings.NewReader("[]"))
	req.Header.Set("Authorization", "Bearer "+m[2])
	req.Header.Set("X-Patchbay", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Demo      bool `json:"demo"`
		DemoHints struct {
			GenericValidationURL string `json:"genericValidationUrl"`
		} `json:"demoHints"`
		SecretBackend string `json:"secretBackend"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if !info.Demo || info.SecretBackend != "memory" || !strings.HasPrefix(info.DemoHints.GenericValidationURL, "http://127.0.0.1:") {
		t.Fatalf("app info %+v", info)
	}
	// The demo's fake provider answers at the advertised URL.
	fr, _ := http.NewRequest("GET", info.DemoHints.GenericValidationURL, nil)
	fr.Header.Set("X-API-Key", "demo-key-valid-0001")
	if r, err := http.DefaultClient.Do(fr); err != nil || r.StatusCode != 200 {
		t.Fatalf("demo fake: %v %v", r, err)
	}
	cancel()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop when its context ended")
	}
}

func TestDemoSeedsEveryState(t *testing.T) {
	a, err := start(context.Background(), common{demo: true}, Env{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { a.svc.Wait(); a.close() }()
	conns, err := a.svc.ListConnections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	states := map[string]int{}
	for _, c := range conns {
		seen[c.Provider] = true
		switch {
		case c.Interrupted():
			states["interrupted"]++
		default:
			states[string(c.Status)]++
		}
	}
	for _, p := range []string{"jira_cloud", "jira_dc", "github", "github_actions", "bitbucket", "azure_devops_boards", "azure_devops_repos",
		"azure_devops_pipelines", "harness", "gitlab", "sonarqube", "slack", "generic_oauth2"} {
		if !seen[p] {
			t.Errorf("demo lacks %s", p)
		}
	}
	if states["active"] < 10 || states["error"] != 1 || states["interrupted"] != 1 {
		t.Fatalf("states %v", states)
	}
	empty, err := start(context.Background(), common{demo: true, demoEmpty: true}, Env{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer empty.close()
	if conns, _ := empty.svc.ListConnections(context.Background()); len(conns) != 0 {
		t.Fatalf("--demo-empty seeded %d", len(conns))
	}
}

// TestDemoRunsInEveryState: --demo shows runs completed, running, paused for
// reauth, paused by an operator and failed. The running one is genuinely
// executing: its step against the GitLab outage is in progress (the fake
// answered it 503), retried within the demo's long step budget rather than
// failed after the engine's default minute.
func TestDemoRunsInEveryState(t *testing.T) {
	ctx := context.Background()
	a, err := start(ctx, common{demo: true}, Env{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { a.svc.Wait(); a.close() }()
	if demoStepRetryBudget < time.Hour {
		t.Fatalf("the demo's step budget %s would fail the running run within the session", demoStepRetryBudget)
	}
	byWorkflow := map[string]string{}
	wfs, _ := a.svc.ListWorkflows(ctx)
	for _, w := range wfs {
		byWorkflow[w.ID] = w.Name
	}
	deadline := time.Now().Add(60 * time.Second)
	var states map[string]string
	var running domain.Run
	for {
		states, running = map[string]string{}, domain.Run{}
		all, err := a.svc.ListRuns(ctx, "all")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range all {
			k := r.Status
			if r.PauseReason != "" {
				k += ":" + r.PauseReason
			}
			states[k] = byWorkflow[r.WorkflowID]
			if r.Status == domain.RunRunning && r.CurrentStep < len(r.Steps) && r.Steps[r.CurrentStep].Status == domain.StepRunning && r.Steps[r.CurrentStep].Attempts > 0 {
				running = r
			}
		}
		if len(states) == 5 && running.ID != "" && a.fake.Requests("/gitlab/api/v4/user") > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs by state after 60 s: %v (a run with a step in progress: %v)", states, running.ID != "")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{"completed", "running", "paused:reauth", "paused:operator", "failed"} {
		if _, ok := states[want]; !ok {
			t.Errorf("no %s run in the demo: %v", want, states)
		}
	}
	if byWorkflow[running.WorkflowID] != "GitLab mirror check" {
		t.Fatalf("the running run is %q's, want GitLab mirror check's", byWorkflow[running.WorkflowID])
	}
	conn, err := a.svc.GetConnection(ctx, running.Steps[running.CurrentStep].ConnectionID)
	if err != nil || conn.Label != "Self-managed GitLab" || !conn.Interrupted() {
		t.Fatalf("the running step's connection: %+v %v", conn, err)
	}
}

// TestUserFacingFailuresAreNotInternal: a failure the user can act on (no
// desktop window in this build, a port already taken, a report path that
// cannot be written) prints its own message saying what to do, not "Internal
// error" and a detail line; a truly unexpected error keeps that wording.
func TestUserFacingFailuresAreNotInternal(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no desktop window", []string{"--demo"}, "patchbay serve"},
		{"port taken", []string{"serve", "--demo", "--demo-empty", "--addr", taken.Addr().String()}, "--addr"},
		{"report not writable", []string{"export", "--demo", "--demo-empty", "--data-dir", t.TempDir(), "--out", filepath.Join(t.TempDir(), "missing", "report.html")}, "--out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := run(tt.args...)
			if code != ExitAttention || strings.Contains(errOut, "Internal error") || strings.Contains(errOut, "detail:") ||
				!strings.Contains(errOut, tt.want) {
				t.Fatalf("code %d, stderr %q: want exit %d and a message naming %q, not an internal error", code, errOut, ExitAttention, tt.want)
			}
		})
	}
	var errb bytes.Buffer
	if code := fail(Env{Stderr: &errb}, errors.New("unexpected state 7")); code != ExitAttention ||
		!strings.Contains(errb.String(), "Internal error") || !strings.Contains(errb.String(), "detail: unexpected state 7") {
		t.Fatalf("internal error: code %d, stderr %q", code, errb.String())
	}
}
