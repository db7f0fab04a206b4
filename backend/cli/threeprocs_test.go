package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
	"patchbay/backend/store"
)

// threeProcessRounds is how many checks each process makes.
const threeProcessRounds = 50

// tokenLifetime is the fake's access token lifetime: the refresher renews a
// token half its lifetime ahead, so the three processes rotate the refresh
// token every second while they check.
const tokenLifetime = 2 * time.Second

// countingTokenEndpoint counts the token endpoint's invalid_grant answers
// (a refresh token used twice: the fake then revokes the whole grant, as
// RFC 6819 section 5.2.2.3 recommends and oidc-provider does).
type countingTokenEndpoint struct {
	next http.Handler
	mu   sync.Mutex
	bad  []string
}

func (c *countingTokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/oauth/token" {
		c.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	c.next.ServeHTTP(rec, r)
	if strings.Contains(rec.Body.String(), "invalid_grant") {
		c.mu.Lock()
		c.bad = append(c.bad, rec.Body.String())
		c.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// TestThreeProcessesRotateOneConnection runs the window, `patchbay serve`
// and `patchbay check` as three processes on one data directory, each
// checking one OAuth connection 50 times while its short-lived token keeps
// expiring. The refresh token rotates on every refresh and a reused one
// revokes the grant, so the cross-process refresh lock must hold: zero
// invalid_grant, every check active, and never two refreshes of one token
// (between two refreshes at least half a lifetime passes).
func TestThreeProcessesRotateOneConnection(t *testing.T) {
	fake := fakes.New()
	fake.OAuth.AccessTTL = tokenLifetime
	ep := &countingTokenEndpoint{next: fake.Handler()}
	srv := httptest.NewServer(ep)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	id := createOAuthConnection(t, dir, srv.URL)
	before := fake.OAuth.Refreshes()

	started := time.Now()
	roles := []string{"window", "serve", "check"}
	outs := make([][]byte, len(roles))
	errs := make([]error, len(roles))
	var wg sync.WaitGroup
	for i, role := range roles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperThreeProcesses$", "-test.count=1")
			// No Secret Service: all three use the 0600 secrets file of the
			// data directory, as with --insecure-file-secrets on a headless box.
			cmd.Env = append(os.Environ(), "PATCHBAY_3P_ROLE="+role, "PATCHBAY_3P_DIR="+dir, "PATCHBAY_3P_CONN="+id,
				"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/patchbay-test-bus")
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	elapsed := time.Since(started)
	for i, role := range roles {
		m := regexp.MustCompile(`RESULT active=(\d+) total=(\d+)`).FindSubmatch(outs[i])
		if errs[i] != nil || m == nil {
			t.Fatalf("%s process: %v\n%s", role, errs[i], outs[i])
		}
		if string(m[1]) != strconv.Itoa(threeProcessRounds) || string(m[2]) != strconv.Itoa(threeProcessRounds) {
			t.Errorf("%s process: %s of %s checks active\n%s", role, m[1], m[2], lastLines(outs[i], 15))
		}
	}
	ep.mu.Lock()
	bad := append([]string(nil), ep.bad...)
	ep.mu.Unlock()
	if len(bad) != 0 {
		t.Fatalf("%d invalid_grant answers (a refresh token was used twice): %v", len(bad), bad)
	}
	refreshes := fake.OAuth.Refreshes() - before
	limit := int(elapsed/(tokenLifetime/2)) + 1
	t.Logf("3 processes × %d checks in %s: %d refreshes (at most %d possible without a double refresh)", threeProcessRounds, elapsed.Round(time.Millisecond), refreshes, limit)
	if refreshes < 1 || refreshes > limit {
		t.Fatalf("%d refreshes in %s, want 1 to %d: one refresh per expiry", refreshes, elapsed, limit)
	}
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// createOAuthConnection connects a generic OAuth 2.0 connection by consent
// against the fake, in the data directory dir, and returns its id.
func createOAuthConnection(t *testing.T, dir, base string) string {
	t.Helper()
	st, err := store.Open(filepath.Join(dir, "patchbay.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sec, err := secrets.NewFile(filepath.Join(dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: st, Secrets: sec, Catalogue: cat, LockDir: dir, Now: domain.SystemClock})
	defer svc.Wait()
	ctx := context.Background()
	if err := svc.EnsureDefaultWorkspace(ctx); err != nil {
		t.Fatal(err)
	}
	ws, _ := svc.ListWorkspaces(ctx)
	cs, err := svc.StartConsent(ctx, domain.ConnectionDraft{Provider: "generic_oauth2", AuthMode: "oauth2", Label: "Rotating", WorkspaceIDs: []string{ws[0].ID},
		Config: map[string]string{"authorizeUrl": base + "/oauth/authorize", "tokenUrl": base + "/oauth/token",
			"userinfoUrl": base + "/oauth/userinfo", "clientId": fakes.OAuthClientID, "scopes": "openid email offline_access"},
		Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	if status, _, err := fakes.Browse(cs.AuthURL, "approve", nil); err != nil || status != 200 {
		t.Fatalf("consent: %d %v", status, err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if cs, err = svc.GetConsent(ctx, cs.ID); err != nil {
			t.Fatal(err)
		}
		if cs.State != domain.ConsentPending {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the consent did not finish within 10 s")
		}
	}
	if cs.State != domain.ConsentDone || cs.ConnectionID == "" {
		t.Fatalf("consent: %+v", cs)
	}
	return cs.ConnectionID
}

// TestHelperThreeProcesses is the body of one process of
// TestThreeProcessesRotateOneConnection; it does nothing in a normal run.
func TestHelperThreeProcesses(t *testing.T) {
	role := os.Getenv("PATCHBAY_3P_ROLE")
	if role == "" {
		return
	}
	dir, id := os.Getenv("PATCHBAY_3P_DIR"), os.Getenv("PATCHBAY_3P_CONN")
	flags := []string{"--data-dir", dir, "--insecure-file-secrets", "--sweep-interval", "0"}
	var out, errb syncBuffer
	assets := fstest.MapFS{"index.html": {Data: []byte("x")}}
	active := 0
	switch role {
	case "window":
		// The window's process: the Wails window is replaced by what it
		// would do, the connection's Check button 50 times.
		code := Main(flags, Env{Stdout: &out, Stderr: &errb, Assets: assets, Desktop: func(ctx context.Context, b *Backend, _ fs.FS) error {
			svc, err := b.Service(ctx)
			if err != nil {
				return err
			}
			for i := 0; i < threeProcessRounds; i++ {
				c, err := svc.CheckConnection(ctx, id)
				if err != nil {
					return err
				}
				if c.Status == domain.StatusActive {
					active++
				} else {
					fmt.Printf("window check %d: %s %+v\n", i, c.Status, c.LastError)
				}
			}
			return nil
		}})
		if code != ExitOK {
			t.Fatalf("window exited %d: %s", code, errb.String())
		}
	case "serve":
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			done <- Main(append([]string{"serve", "--addr", "127.0.0.1:0"}, flags...), Env{Stdout: &out, Stderr: &errb, Context: ctx, Assets: assets})
		}()
		re := regexp.MustCompile(`Patchbay is running at (http://127\.0\.0\.1:\d+)/\?token=([0-9a-f]+)`)
		var m []string
		for deadline := time.Now().Add(60 * time.Second); m == nil; time.Sleep(20 * time.Millisecond) {
			if m = re.FindStringSubmatch(out.String()); m == nil && time.Now().After(deadline) {
				cancel()
				t.Fatalf("serve printed no URL within 60 s: %s", errb.String())
			}
		}
		for i := 0; i < threeProcessRounds; i++ {
			req, _ := http.NewRequest("POST", m[1]+"/api/rpc/CheckConnection", strings.NewReader(`["`+id+`"]`))
			req.Header.Set("Authorization", "Bearer "+m[2])
			req.Header.Set("X-Patchbay", "1")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			var c domain.Connection
			b := new(bytes.Buffer)
			_, _ = b.ReadFrom(resp.Body)
			resp.Body.Close()
			if err := json.Unmarshal(b.Bytes(), &c); err != nil || resp.StatusCode != http.StatusOK {
				cancel()
				t.Fatalf("serve check %d: HTTP %d %s", i, resp.StatusCode, b.String())
			}
			if c.Status == domain.StatusActive {
				active++
			} else {
				fmt.Printf("serve check %d: %s %+v\n", i, c.Status, c.LastError)
			}
		}
		cancel()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Fatal("serve did not stop within 60 s")
		}
	case "check":
		for i := 0; i < threeProcessRounds; i++ {
			var o, e syncBuffer
			code := Main(append([]string{"check", "--connection", id}, flags...), Env{Stdout: &o, Stderr: &e, Assets: assets})
			if code == ExitOK {
				active++
			} else {
				fmt.Printf("check %d exited %d: %s %s\n", i, code, o.String(), e.String())
			}
		}
	}
	fmt.Printf("RESULT active=%d total=%d\n", active, threeProcessRounds)
}
