package oauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/oauth"
	"patchbay/backend/secrets"
)

func fakeServer(t testing.TB) (*fakes.Server, *httptest.Server, *oauth2.Config) {
	t.Helper()
	f := fakes.New()
	srv := httptest.NewServer(f.Handler())
	t.Cleanup(srv.Close)
	return f, srv, &oauth2.Config{ClientID: fakes.OAuthClientID, ClientSecret: fakes.OAuthClientSecret,
		Endpoint: fakes.Endpoint(srv.URL), Scopes: []string{"read"}}
}

// browse plays the user's browser against the fake consent page.
func browse(t testing.TB, authURL, decision string, tamper func(url.Values)) (int, string) {
	t.Helper()
	status, page, err := fakes.Browse(authURL, decision, tamper)
	if err != nil {
		t.Fatal(err)
	}
	return status, page
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestConsent(t *testing.T) {
	tests := []struct {
		name     string
		decision string
		tamper   func(url.Values)
		wantErr  string
		wantPage string
	}{
		{"approve", "approve", nil, "", "You can close this tab"},
		{"declined", "deny", nil, "You declined access", "You declined access"},
		{"wrong PKCE challenge", "approve", func(v url.Values) { v.Set("code_challenge", "tampered") }, "PKCE verification failed", "PKCE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, cfg := fakeServer(t)
			c, err := oauth.StartConsent(*cfg, oauth.ConsentOptions{PKCE: true, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(c.RedirectURI, "http://127.0.0.1:") || !strings.Contains(c.AuthURL, "code_challenge_method=S256") || !strings.Contains(c.AuthURL, "state=") {
				t.Fatalf("redirect %s auth %s", c.RedirectURI, c.AuthURL)
			}
			status, page := browse(t, c.AuthURL, tt.decision, tt.tamper)
			tok, err := c.Wait(context.Background())
			if tt.wantErr == "" {
				if err != nil || tok.AccessToken == "" || tok.RefreshToken == "" || status != 200 {
					t.Fatalf("token %v err %v status %d", tok, err, status)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if !strings.Contains(page, tt.wantPage) {
				t.Fatalf("callback page %q lacks %q", page, tt.wantPage)
			}
		})
	}
}

func TestCallbackAcceptedOnceAndStateChecked(t *testing.T) {
	_, _, cfg := fakeServer(t)
	c, err := oauth.StartConsent(*cfg, oauth.ConsentOptions{PKCE: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// A forged callback with the wrong state is refused and does not end the consent.
	resp, err := http.Get(c.RedirectURI + "?code=x&state=forged")
	if err != nil {
		t.Fatal(err)
	}
	if page := readAll(resp); resp.StatusCode != 400 || !strings.Contains(page, "does not match") {
		t.Fatalf("forged state: %d %s", resp.StatusCode, page)
	}
	// The real one completes it; replaying the same callback URL is refused.
	callback, err := fakes.ConsentRedirect(c.AuthURL, "approve", nil)
	if err != nil {
		t.Fatal(err)
	}
	// The browser hits the callback twice (a reload): the listener is up
	// until Wait returns, so both requests reach it; only one is accepted.
	var pages []string
	for i := 0; i < 2; i++ {
		r, err := http.Get(callback)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, readAll(r))
	}
	tok, err := c.Wait(context.Background())
	if err != nil || tok == nil {
		t.Fatalf("wait: %v", err)
	}
	joined := strings.Join(pages, "|")
	if !strings.Contains(joined, "already used") || !strings.Contains(joined, "close this tab") {
		t.Fatalf("callback pages: %q", joined)
	}
}

func TestConsentTimeoutCancelAndLoopbackOnly(t *testing.T) {
	_, _, cfg := fakeServer(t)
	c, _ := oauth.StartConsent(*cfg, oauth.ConsentOptions{Timeout: 50 * time.Millisecond})
	if _, err := c.Wait(context.Background()); err == nil || !strings.Contains(err.Error(), "not completed within") {
		t.Fatalf("timeout: %v", err)
	}
	c, _ = oauth.StartConsent(*cfg, oauth.ConsentOptions{})
	go func() { time.Sleep(20 * time.Millisecond); c.Cancel() }()
	if _, err := c.Wait(context.Background()); err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("cancel: %v", err)
	}
	// The listener is gone after the consent ended.
	if _, err := http.Get(c.RedirectURI); err == nil {
		t.Fatal("the callback listener is still up")
	}
	u, _ := url.Parse(c.RedirectURI)
	if u.Hostname() != "127.0.0.1" {
		t.Fatalf("listening on %s, not loopback", u.Hostname())
	}
}

// seed stores an expired token minted by the fake for key.
func seed(t testing.TB, srv *httptest.Server, cfg *oauth2.Config, store oauth.TokenStore, key string) *oauth2.Token {
	t.Helper()
	c, _ := oauth.StartConsent(*cfg, oauth.ConsentOptions{PKCE: true, Timeout: 10 * time.Second})
	browse(t, c.AuthURL, "approve", nil)
	tok, err := c.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tok.Expiry = time.Now().Add(-time.Minute)
	if err := store.SaveToken(context.Background(), key, tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	f, srv, cfg := fakeServer(t)
	store := oauth.SecretTokens{Secrets: secrets.NewMemory()}
	old := seed(t, srv, cfg, store, "k")
	f.OAuth.SetDelay(50 * time.Millisecond)
	r := &oauth.Refresher{Store: store, LockDir: t.TempDir()}
	var wg sync.WaitGroup
	got := make([]string, 100)
	for i := range got {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tok, err := r.Token(context.Background(), "k", cfg)
			if err == nil {
				got[i] = tok.AccessToken
			}
		}(i)
	}
	wg.Wait()
	if n := f.OAuth.Refreshes(); n != 1 {
		t.Fatalf("%d refreshes for 100 callers", n)
	}
	for _, a := range got {
		if a == "" || a != got[0] || a == old.AccessToken {
			t.Fatalf("callers got different or stale tokens: %q vs %q", a, got[0])
		}
	}
	stored, _ := store.LoadToken(context.Background(), "k")
	if stored.RefreshToken == old.RefreshToken || stored.AccessToken != got[0] {
		t.Fatal("the rotated refresh token was not persisted")
	}
	// The next refresh presents the rotated token: no reuse detection fires.
	if _, err := r.Refresh(context.Background(), "k", cfg); err != nil {
		t.Fatalf("second refresh: %v", err)
	}
}

func TestRefreshFailures(t *testing.T) {
	tests := []struct {
		name      string
		inject    func(f *fakes.Server)
		wantClass domain.Class // "" = success
		// wantWait, when set, is the least wait before the first retry (the
		// fake's 429 says Retry-After: 1; the backoff alone waits ~10 ms).
		wantWait time.Duration
	}{
		{"5xx then success is retried", func(f *fakes.Server) { f.OAuth.FailNext(503, 500) }, "", 0},
		{"429 honours Retry-After", func(f *fakes.Server) { f.OAuth.FailNext(429) }, "", time.Second},
		{"revoked grant is permanent", func(f *fakes.Server) { f.OAuth.RevokeAll() }, domain.ClassRevoked, 0},
		{"outage outlasting retries stays transient", func(f *fakes.Server) {
			for i := 0; i < 100; i++ {
				f.OAuth.FailNext(503)
			}
		}, domain.ClassProviderDown, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv, cfg := fakeServer(t)
			store := oauth.SecretTokens{Secrets: secrets.NewMemory()}
			old := seed(t, srv, cfg, store, "k")
			tt.inject(f)
			r := &oauth.Refresher{Store: store, LockDir: t.TempDir(), InitialInterval: 10 * time.Millisecond, MaxElapsed: 1500 * time.Millisecond}
			var waits []time.Duration // the hook runs on the refreshing goroutine, between attempts
			oauth.OnRetry(r, func(_ error, wait time.Duration) { waits = append(waits, wait) })
			start := time.Now()
			tok, err := r.Token(context.Background(), "k", cfg)
			if tt.wantWait > 0 {
				if len(waits) == 0 || waits[0] < tt.wantWait {
					t.Fatalf("waits before retries %v, want the first at least %v", waits, tt.wantWait)
				}
				if took := time.Since(start); took < tt.wantWait {
					t.Fatalf("the refresh succeeded after %v, before the %v the provider asked to wait", took, tt.wantWait)
				}
			}
			if tt.wantClass == "" {
				if err != nil || tok.AccessToken == old.AccessToken {
					t.Fatalf("want success after retries: %v", err)
				}
				return
			}
			var de *domain.Error
			if !errors.As(err, &de) || de.Check == nil || de.Check.Class != tt.wantClass {
				t.Fatalf("err = %#v, want class %s", err, tt.wantClass)
			}
			if stored, _ := store.LoadToken(context.Background(), "k"); stored.RefreshToken != old.RefreshToken {
				t.Fatal("a failed refresh replaced the stored token")
			}
		})
	}
}

type failingStore struct{ oauth.TokenStore }

func (failingStore) SaveToken(context.Context, string, *oauth2.Token) error {
	return errors.New("keyring locked")
}

func TestUnsavedTokenIsNotHandedOut(t *testing.T) {
	_, srv, cfg := fakeServer(t)
	inner := oauth.SecretTokens{Secrets: secrets.NewMemory()}
	seed(t, srv, cfg, inner, "k")
	r := &oauth.Refresher{Store: failingStore{inner}, LockDir: t.TempDir()}
	if tok, err := r.Token(context.Background(), "k", cfg); err == nil || tok != nil {
		t.Fatalf("a token whose rotation was not saved was handed out: %v", tok)
	}
}

// TestTwoProcessesRefreshOnce starts two processes that share a token file
// and a lock directory; with the fake's reuse detection, a second refresh
// with the old refresh token would revoke the grant. Exactly one refresh
// must reach the fake and both processes must get the same token.
func TestTwoProcessesRefreshOnce(t *testing.T) {
	f, srv, cfg := fakeServer(t)
	dir := t.TempDir()
	file, err := secrets.NewFile(filepath.Join(dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	seed(t, srv, cfg, oauth.SecretTokens{Secrets: file}, "k")
	f.OAuth.SetDelay(300 * time.Millisecond)
	var cmds []*exec.Cmd
	for i := 0; i < 2; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRefreshProcess$")
		cmd.Env = append(os.Environ(), "PATCHBAY_REFRESH_HELPER=1", "HELPER_DIR="+dir, "HELPER_BASE="+srv.URL)
		cmds = append(cmds, cmd)
	}
	outs := make([][]byte, 2)
	var wg sync.WaitGroup
	for i, cmd := range cmds {
		wg.Add(1)
		go func(i int, cmd *exec.Cmd) {
			defer wg.Done()
			outs[i], _ = cmd.CombinedOutput()
		}(i, cmd)
	}
	wg.Wait()
	tokens := []string{}
	for _, o := range outs {
		m := regexp.MustCompile(`ACCESS=(\S+)`).FindSubmatch(o)
		if m == nil {
			t.Fatalf("helper failed: %s", o)
		}
		tokens = append(tokens, string(m[1]))
	}
	if n := f.OAuth.Refreshes(); n != 1 || tokens[0] != tokens[1] {
		t.Fatalf("%d refreshes; tokens %v", n, tokens)
	}
}

// TestHelperRefreshProcess is the body of one process of
// TestTwoProcessesRefreshOnce; it does nothing in a normal run.
func TestHelperRefreshProcess(t *testing.T) {
	if os.Getenv("PATCHBAY_REFRESH_HELPER") != "1" {
		return
	}
	dir := os.Getenv("HELPER_DIR")
	file, err := secrets.NewFile(filepath.Join(dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := &oauth2.Config{ClientID: fakes.OAuthClientID, ClientSecret: fakes.OAuthClientSecret, Endpoint: fakes.Endpoint(os.Getenv("HELPER_BASE"))}
	r := &oauth.Refresher{Store: oauth.SecretTokens{Secrets: file}, LockDir: dir}
	tok, err := r.Token(context.Background(), "k", cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(tok.AccessToken)
	os.Stdout.WriteString("ACCESS=" + strings.Trim(string(b), `"`) + "\n")
}

// freePort returns a loopback port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestPinnedPortAndRegisteredHTTPSRedirect(t *testing.T) {
	_, _, cfg := fakeServer(t)
	port := freePort(t)

	// A pinned port: the exact redirect URI to register is known in advance.
	c, err := oauth.StartConsent(*cfg, oauth.ConsentOptions{Port: port, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("http://127.0.0.1:%d/callback", port); c.RedirectURI != want {
		t.Fatalf("redirect %s, want %s", c.RedirectURI, want)
	}
	// The port is taken while the consent waits: a second one says so.
	if _, err := oauth.StartConsent(*cfg, oauth.ConsentOptions{Port: port}); err == nil || !strings.Contains(err.Error(), "Free the port") {
		t.Fatalf("second listener on a pinned port: %v", err)
	}
	c.Cancel()
	if _, err := c.Wait(context.Background()); err == nil {
		t.Fatal("cancelled consent returned a token")
	}

	// A registered HTTPS redirect needs the port it forwards to.
	relay := "https://relay.example.test/patchbay/oauth"
	if _, err := oauth.StartConsent(*cfg, oauth.ConsentOptions{RedirectURL: relay}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("HTTPS redirect without a port: %v", err)
	}
	c, err = oauth.StartConsent(*cfg, oauth.ConsentOptions{Port: port, RedirectURL: relay, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if c.RedirectURI != relay || !strings.Contains(c.AuthURL, url.QueryEscape(relay)) {
		t.Fatalf("redirect %s auth %s", c.RedirectURI, c.AuthURL)
	}
	// The provider sends the browser to the relay, which forwards the query
	// to the pinned loopback port; the exchange repeats the registered URI.
	back, err := fakes.ConsentRedirect(c.AuthURL, "approve", nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(back)
	if u.Scheme != "https" || u.Host != "relay.example.test" {
		t.Fatalf("the provider redirected to %s", back)
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s?%s", port, u.Path, u.RawQuery))
	if err != nil {
		t.Fatal(err)
	}
	if page := readAll(resp); resp.StatusCode != 200 {
		t.Fatalf("forwarded callback: %d %s", resp.StatusCode, page)
	}
	if tok, err := c.Wait(context.Background()); err != nil || tok.AccessToken == "" {
		t.Fatalf("token %v err %v", tok, err)
	}
}

// Jira Data Center refuses a refresh that does not repeat the redirect URI
// of the authorization; a config that names it sends it.
func TestRefreshResendsTheRedirectURI(t *testing.T) {
	f, _, cfg := fakeServer(t)
	f.OAuth.RefreshNeedsRedirect = true
	port := freePort(t)
	c, err := oauth.StartConsent(*cfg, oauth.ConsentOptions{Port: port, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	browse(t, c.AuthURL, "approve", nil)
	tok, err := c.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		redirect  string
		wantClass domain.Class
	}{
		{"", domain.ClassRevoked}, // x/oauth2 alone: invalid_grant
		{c.RedirectURI, ""},
	} {
		store := oauth.SecretTokens{Secrets: secrets.NewMemory()}
		stale := *tok
		stale.Expiry = time.Now().Add(-time.Minute)
		if err := store.SaveToken(context.Background(), "k", &stale); err != nil {
			t.Fatal(err)
		}
		withRedirect := *cfg
		withRedirect.RedirectURL = tt.redirect
		r := &oauth.Refresher{Store: store, LockDir: t.TempDir(), MaxElapsed: time.Second}
		got, err := r.Token(context.Background(), "k", &withRedirect)
		var de *domain.Error
		switch {
		case tt.wantClass == "" && (err != nil || got.AccessToken == tok.AccessToken):
			t.Fatalf("redirect %q: %v", tt.redirect, err)
		case tt.wantClass != "" && (!errors.As(err, &de) || de.Check == nil || de.Check.Class != tt.wantClass):
			t.Fatalf("redirect %q: err %v, want %s", tt.redirect, err, tt.wantClass)
		}
	}
}

// TestTokenTimesFollowTheClock: a token's expiry counts from the injected
// clock (not x/oauth2's wall clock), and the refresher compares it with that
// clock, at dates far from the wall clock.
func TestTokenTimesFollowTheClock(t *testing.T) {
	for _, date := range []time.Time{
		time.Date(2031, 6, 1, 9, 15, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 23, 30, 0, 0, time.UTC),
	} {
		t.Run(date.Format(time.RFC3339), func(t *testing.T) {
			var mu sync.Mutex
			now := date
			clock := func() time.Time {
				mu.Lock()
				defer mu.Unlock()
				return now
			}
			advance := func(d time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				now = now.Add(d)
			}
			near := func(what string, got, want time.Time) {
				t.Helper()
				if d := got.Sub(want); d < -time.Minute || d > time.Minute {
					t.Fatalf("%s is %s, want %s", what, got.UTC().Format(time.RFC3339), want.UTC().Format(time.RFC3339))
				}
			}
			f, _, cfg := fakeServer(t)
			c, err := oauth.StartConsent(*cfg, oauth.ConsentOptions{PKCE: true, Timeout: 10 * time.Second, Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			browse(t, c.AuthURL, "approve", nil)
			tok, err := c.Wait(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			near("the consented token's expiry", tok.Expiry, clock().Add(time.Hour))
			store := oauth.SecretTokens{Secrets: secrets.NewMemory()}
			if err := store.SaveToken(context.Background(), "k", tok); err != nil {
				t.Fatal(err)
			}
			r := &oauth.Refresher{Store: store, LockDir: t.TempDir(), Now: clock}
			if got, err := r.Token(context.Background(), "k", cfg); err != nil || got.AccessToken != tok.AccessToken || f.OAuth.Refreshes() != 0 {
				t.Fatalf("a token valid for an hour more was refreshed (%d refreshes, %v)", f.OAuth.Refreshes(), err)
			}
			advance(2 * time.Hour)
			got, err := r.Token(context.Background(), "k", cfg)
			if err != nil || got.AccessToken == tok.AccessToken || f.OAuth.Refreshes() != 1 {
				t.Fatalf("a token expired an hour ago was not refreshed (%d refreshes, %v)", f.OAuth.Refreshes(), err)
			}
			near("the refreshed token's expiry", got.Expiry, clock().Add(time.Hour))
		})
	}
}
