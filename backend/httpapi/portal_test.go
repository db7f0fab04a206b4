package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/time/rate"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/httpapi"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
	"patchbay/backend/store"
)

type portalWorld struct {
	svc              *service.Service
	ts               *httptest.Server
	fake             *fakes.Server
	teamConn         string
	connA, connB     string
	clientA, clientB string
	fakeURL          string
	clock            *pausableClock
}

// pausableClock is the service's clock in the portal tests: the wall clock
// until Pause, then the instant it was paused. While it is paused the
// portal's rate limiters refill nothing, so what they allow does not depend
// on how fast this machine sends the requests.
type pausableClock struct {
	mu     sync.Mutex
	paused time.Time
}

func (c *pausableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.paused.IsZero() {
		return c.paused
	}
	return time.Now()
}

// Pause stops the clock where it is.
func (c *pausableClock) Pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.paused = time.Now()
}

// waitFor polls cond every 10 ms until it holds, failing the test with what
// it waited for once timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", timeout, what)
		}
	}
}

// unlimited lets the portal answer every request: the tests poll without
// pacing themselves under its rate limit (TestPortalRateLimit keeps it).
func unlimited() *rate.Limiter { return rate.NewLimiter(rate.Inf, 0) }

// newPortalWorld sets up three OAuth connections (a team one and one for
// each of two clients) and serves them with the portal's rate limit off.
func newPortalWorld(t *testing.T) *portalWorld {
	t.Helper()
	fake := fakes.New()
	fsrv := httptest.NewServer(fake.Handler())
	t.Cleanup(fsrv.Close)
	st, err := store.Open(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := providers.Load()
	if err != nil {
		t.Fatalf("load the provider catalogue: %v", err)
	}
	clk := &pausableClock{}
	svc := service.New(service.Options{Store: st, Secrets: secrets.NewMemory(), Catalogue: cat, LockDir: t.TempDir(), RefreshBudget: time.Second, Now: clk.Now})
	t.Cleanup(svc.Wait) // before the store closes: consents, sweeps and runs stop
	ctx := context.Background()
	if err := svc.EnsureDefaultWorkspace(ctx); err != nil {
		t.Fatalf("create the default workspace: %v", err)
	}
	ws, err := svc.ListWorkspaces(ctx)
	if err != nil || len(ws) == 0 {
		t.Fatalf("list workspaces: %v %v", ws, err)
	}
	w := &portalWorld{svc: svc, fake: fake, fakeURL: fsrv.URL, clock: clk}
	mk := func(label string) string {
		st, err := svc.StartConsent(ctx, domain.ConnectionDraft{Provider: "generic_oauth2", AuthMode: "oauth2", Label: label, WorkspaceIDs: []string{ws[0].ID},
			Config: map[string]string{"authorizeUrl": fsrv.URL + "/oauth/authorize", "tokenUrl": fsrv.URL + "/oauth/token",
				"userinfoUrl": fsrv.URL + "/oauth/userinfo", "clientId": fakes.OAuthClientID}, Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := fakes.Browse(st.AuthURL, "approve", nil); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 60*time.Second, "the consent for "+label+" to finish", func() bool {
			st, err = svc.GetConsent(ctx, st.ID)
			return err != nil || st.State != domain.ConsentPending
		})
		if err != nil || st.ConnectionID == "" {
			t.Fatalf("consent for %s: %+v %v", label, st, err)
		}
		return st.ConnectionID
	}
	w.teamConn, w.connA, w.connB = mk("Team CRM"), mk("Acme CRM"), mk("Globex CRM")
	for _, c := range []struct {
		name, conn string
		id         *string
	}{{"Acme", w.connA, &w.clientA}, {"Globex", w.connB, &w.clientB}} {
		cl, err := svc.CreateClient(ctx, c.name)
		if err != nil {
			t.Fatalf("create client %s: %v", c.name, err)
		}
		*c.id = cl.ID
		if _, err := svc.SetConnectionOwner(ctx, c.conn, cl.ID); err != nil {
			t.Fatalf("give %s its connection: %v", c.name, err)
		}
	}
	w.ts = w.serve(t, unlimited)
	return w
}

// serve starts the operator server (with the portal) over w's service; the
// portal limits each address with newLimiter (nil: the production limit).
func (w *portalWorld) serve(t *testing.T, newLimiter func() *rate.Limiter) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	srv := httpapi.New(w.svc, fstest.MapFS{"index.html": {Data: []byte("<title>Patchbay</title>")}, "portal.html": {Data: []byte("<title>Patchbay</title>")}}, ts.Listener.Addr(), nil)
	srv.SetPortalLimiter(newLimiter)
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// consentEnded polls the portal's consent endpoint until the consent is no
// longer pending and returns its last answer.
func (b *browser) consentEnded(id string) string {
	b.t.Helper()
	var body string
	waitFor(b.t, 10*time.Second, "consent "+id+" to end", func() bool {
		var status int
		status, body = b.do("GET", "/portal/api/consents/"+id)
		if status != http.StatusOK {
			b.t.Fatalf("consent %s: %d %s", id, status, body)
		}
		return !strings.Contains(body, `"pending"`)
	})
	return body
}

// client is one browser with its own cookies.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
	csrf string
}

func (w *portalWorld) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{Jar: jar}, base: w.ts.URL}
}

func (b *browser) do(method, path string) (int, string) {
	req, err := http.NewRequest(method, b.base+path, nil)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	if b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// open follows a reconnection link: the GET shows "Continue as <client>",
// the same-origin POST from that page starts the session; then it picks up
// the CSRF token.
func (b *browser) open(link string) (int, string) {
	path := strings.TrimPrefix(link, b.base)
	status, body := b.do("GET", path)
	if status == 200 && strings.Contains(body, "Continue as") {
		req, err := http.NewRequest("POST", b.base+path, nil)
		if err != nil {
			b.t.Fatal(err)
		}
		req.Header.Set("Origin", b.base)
		resp, err := b.c.Do(req)
		if err != nil {
			b.t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		status, body = resp.StatusCode, string(raw)
	}
	if status == 200 {
		_, s := b.do("GET", "/portal/api/session")
		var v struct{ Csrf string }
		_ = json.Unmarshal([]byte(s), &v)
		b.csrf = v.Csrf
	}
	return status, body
}

func TestPortalLinks(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	req, err := w.svc.CreateReconnectRequest(ctx, w.connA, w.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(req.Mailto, "mailto:?subject=") || strings.Contains(req.Mailto, fakes.OAuthClientSecret) {
		t.Fatalf("mailto %q", req.Mailto)
	}
	if _, err := w.svc.CreateReconnectRequest(ctx, w.teamConn, w.ts.URL); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("request for a team connection: %v", err)
	}
	forged := req.URL[:len(req.URL)-3] + "abc"
	tests := []struct {
		name, link, want string
		status           int
	}{
		{"forged", forged, "not valid", 401},
		{"garbage", w.ts.URL + "/portal/r/x", "not valid", 401},
		{"valid", req.URL, "<title>Patchbay</title>", 200},
		{"already used", req.URL, "already used", 401},
	}
	for _, tt := range tests {
		status, body := w.browser(t).open(tt.link)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %q", tt.name, status, body)
		}
	}
	revoked, _ := w.svc.CreateReconnectRequest(ctx, w.connA, w.ts.URL)
	if err := w.svc.RevokeRequest(ctx, revoked.ID); err != nil {
		t.Fatal(err)
	}
	if status, body := w.browser(t).open(revoked.URL); status != 401 || !strings.Contains(body, "revoked") {
		t.Errorf("revoked: %d %q", status, body)
	}
	list, _ := w.svc.ListRequests(ctx, w.clientA)
	if len(list) != 2 || list[1].State != domain.RequestOpened {
		t.Fatalf("requests %+v", list)
	}
}

func TestPortalTenantIsolation(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	req, _ := w.svc.CreateReconnectRequest(ctx, w.connA, w.ts.URL)
	a := w.browser(t)
	if status, _ := a.open(req.URL); status != 200 {
		t.Fatal("could not open the portal")
	}
	// Own connections only, no secret, no other client's name.
	status, body := a.do("GET", "/portal/api/connections")
	if status != 200 || !strings.Contains(body, "Acme CRM") || strings.Contains(body, "Globex") || strings.Contains(body, "Team CRM") ||
		strings.Contains(body, fakes.OAuthClientSecret) || strings.Contains(body, "clientId") {
		t.Fatalf("list: %d %s", status, body)
	}
	for _, other := range []string{w.connB, w.teamConn, "conn_missing"} {
		for _, ep := range []struct{ method, path string }{
			{"POST", "/portal/api/connections/" + other + "/refresh"},
			{"POST", "/portal/api/connections/" + other + "/reconnect"},
		} {
			if status, body := a.do(ep.method, ep.path); status != 404 {
				t.Errorf("%s %s with client A's session: %d %s", ep.method, ep.path, status, body)
			}
		}
	}
	// The operator API is not reachable with a portal session.
	if status, _ := a.do("POST", "/api/rpc/ListConnections"); status != 401 {
		t.Errorf("operator API with a portal session: %d", status)
	}
	// CSRF: a POST without the token is refused.
	noCSRF := *a
	noCSRF.csrf = ""
	if status, _ := noCSRF.do("POST", "/portal/api/connections/"+w.connA+"/refresh"); status != 403 {
		t.Errorf("POST without CSRF token: %d", status)
	}
	// Own connection: refresh works; when the grant is revoked, 400 with the seed message.
	if status, body := a.do("POST", "/portal/api/connections/"+w.connA+"/refresh"); status != 200 || !strings.Contains(body, "Connection refreshed.") {
		t.Fatalf("refresh: %d %s", status, body)
	}
	// The token endpoint keeps failing transiently: 503 "not renewed", never
	// the success text (issue 12).
	for i := 0; i < 100; i++ {
		w.fake.OAuth.FailNext(503)
	}
	if status, body := a.do("POST", "/portal/api/connections/"+w.connA+"/refresh"); status != 503 || !strings.Contains(body, "not renewed") || strings.Contains(body, "Connection refreshed.") {
		t.Fatalf("refresh while the token endpoint fails: %d %s", status, body)
	}
	w.fake.OAuth.ClearFailures()
	w.fake.OAuth.RevokeAll()
	for i := 0; i < 2; i++ {
		if status, body := a.do("POST", "/portal/api/connections/"+w.connA+"/refresh"); status != 400 || !strings.Contains(body, domain.ErrCannotRefresh) {
			t.Fatalf("refresh of a broken connection: %d %s", status, body)
		}
	}
	// Reconnect by consent at the fake provider: connected and working again.
	status, body = a.do("POST", "/portal/api/connections/"+w.connA+"/reconnect")
	var rc struct{ ConsentID, AuthURL string }
	_ = json.Unmarshal([]byte(body), &rc)
	if status != 200 || rc.AuthURL == "" {
		t.Fatalf("reconnect: %d %s", status, body)
	}
	if _, _, err := fakes.Browse(rc.AuthURL, "approve", nil); err != nil {
		t.Fatal(err)
	}
	a.consentEnded(rc.ConsentID)
	if _, body = a.do("GET", "/portal/api/connections"); !strings.Contains(body, "Connected and working.") {
		t.Fatalf("after reconnect: %s", body)
	}
	// No session: nothing.
	if status, _ := w.browser(t).do("GET", "/portal/api/connections"); status != 401 {
		t.Errorf("no session: %d", status)
	}
}

func TestPortalRateLimit(t *testing.T) {
	w := newPortalWorld(t)
	b := w.browser(t)
	b.base = w.serve(t, nil).URL // the production limit
	limited := false
	for i := 0; i < 40 && !limited; i++ {
		status, _ := b.do("GET", "/portal/r/forged-token")
		limited = status == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("40 quick link attempts from one address were never rate limited")
	}
}

// TestPortalRequestCredentials: the operator asks a client to connect an
// integration that does not exist yet; the client's consent creates it.
func TestPortalRequestCredentials(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	ws, _ := w.svc.ListWorkspaces(ctx)
	draft := domain.ConnectionDraft{Provider: "generic_oauth2", AuthMode: "oauth2", Label: "Acme Analytics", WorkspaceIDs: []string{ws[0].ID},
		Config: map[string]string{"issuer": w.fakeURL + "/oauth", "clientId": fakes.OAuthClientID}, Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}}
	tokenMode := domain.ConnectionDraft{Provider: "generic_api_key", AuthMode: "api_key", Label: "Key", WorkspaceIDs: []string{ws[0].ID}, BaseURL: w.fakeURL,
		Config: map[string]string{"headerName": "X-API-Key", "validationUrl": "/generic/v1/me"}, Secrets: map[string]string{"apiKey": "x"}}
	if _, err := w.svc.RequestCredentials(ctx, domain.RequestCredentialsDraft{ClientID: w.clientA, BaseURL: w.ts.URL, Draft: tokenMode}); domain.Public(err).Field != "authMode" {
		t.Fatalf("a token mode was requested from a client: %v", err)
	}
	if _, err := w.svc.RequestCredentials(ctx, domain.RequestCredentialsDraft{ClientID: "nobody", BaseURL: w.ts.URL, Draft: draft}); domain.Public(err).Field != "clientId" {
		t.Fatalf("unknown client: %v", err)
	}
	req, err := w.svc.RequestCredentials(ctx, domain.RequestCredentialsDraft{ClientID: w.clientA, BaseURL: w.ts.URL, Draft: draft})
	if err != nil || !strings.HasPrefix(req.URL, w.ts.URL+"/portal/r/") || !strings.Contains(req.Mailto, "Please%20connect%20Acme%20Analytics") {
		t.Fatalf("request: %+v %v", req, err)
	}
	// Until the client connects it, it is pending and never checked.
	c, err := w.svc.CheckConnection(ctx, req.ConnectionID)
	if err != nil || c.Status != domain.StatusPending || c.Owner != w.clientA || c.LastCheckedAt != nil {
		t.Fatalf("requested connection: %+v %v", c, err)
	}

	a := w.browser(t)
	if status, _ := a.open(req.URL); status != 200 {
		t.Fatalf("open: %d", status)
	}
	_, body := a.do("GET", "/portal/api/connections")
	if !strings.Contains(body, `"awaitingClient":true`) || !strings.Contains(body, "Waiting for you to connect it.") {
		t.Fatalf("portal list: %s", body)
	}
	status, body := a.do("POST", "/portal/api/connections/"+req.ConnectionID+"/reconnect")
	var rc struct{ ConsentID, AuthURL string }
	_ = json.Unmarshal([]byte(body), &rc)
	if status != 200 || rc.AuthURL == "" {
		t.Fatalf("connect: %d %s", status, body)
	}
	if _, _, err := fakes.Browse(rc.AuthURL, "approve", nil); err != nil {
		t.Fatal(err)
	}
	a.consentEnded(rc.ConsentID)
	c, _ = w.svc.GetConnection(ctx, req.ConnectionID)
	if c.Status != domain.StatusActive || c.Config[domain.ConfigAwaitingClient] != "" || c.Identity == "" {
		t.Fatalf("after the client's consent: %+v", c)
	}
	reqs, _ := w.svc.ListRequests(ctx, w.clientA)
	if len(reqs) != 1 || reqs[0].State != domain.RequestActive {
		t.Fatalf("request state: %+v", reqs)
	}
}

// TestPortalConsentComesBackToThePortal: with a public base URL in Settings,
// links start with it and the provider sends the client back to the portal's
// own callback (no loopback listener on the operator's machine).
func TestPortalConsentComesBackToThePortal(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	if _, err := w.svc.UpdateSettings(ctx, domain.Settings{PublicBaseURL: "ftp://x"}); domain.Public(err).Field != "publicBaseUrl" {
		t.Fatalf("ftp accepted: %v", err)
	}
	if _, err := w.svc.UpdateSettings(ctx, domain.Settings{PortalAddress: "everywhere"}); domain.Public(err).Field != "portalAddress" {
		t.Fatalf("bad address accepted: %v", err)
	}
	if _, err := w.svc.UpdateSettings(ctx, domain.Settings{PublicBaseURL: w.ts.URL + "/"}); err != nil {
		t.Fatal(err)
	}
	req, err := w.svc.CreateReconnectRequest(ctx, w.connA, "http://ignored.example")
	if err != nil || !strings.HasPrefix(req.URL, w.ts.URL+"/portal/r/") {
		t.Fatalf("link %q %v", req.URL, err)
	}
	a := w.browser(t)
	if status, _ := a.open(req.URL); status != 200 {
		t.Fatalf("open: %d", status)
	}
	// The client's connection breaks under a running workflow: its run parks.
	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	w.svc.StartBackground(bg)
	ws, _ := w.svc.ListWorkspaces(ctx)
	wf, err := w.svc.CreateWorkflow(ctx, service.WorkflowDraft{WorkspaceID: ws[0].ID, Name: "Acme nightly",
		Trigger: domain.Node{Kind: "schedule"}, Actions: []domain.Node{{Kind: "check", ConnectionID: w.connA}}})
	if err != nil {
		t.Fatal(err)
	}
	w.fake.OAuth.RevokeAll()
	if _, err := w.svc.RefreshCredential(ctx, w.connA); err == nil {
		t.Fatal("a revoked grant refreshed")
	}
	run, err := w.svc.RunWorkflow(ctx, wf.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, "the run to park", func() bool {
		run, _ = w.svc.GetRun(ctx, run.ID)
		return run.Status == domain.RunPaused
	})
	if run.Status != domain.RunPaused || run.PauseReason != domain.PauseReauth {
		t.Fatalf("run %+v", run)
	}
	status, body := a.do("POST", "/portal/api/connections/"+w.connA+"/reconnect")
	var rc struct{ ConsentID, AuthURL string }
	_ = json.Unmarshal([]byte(body), &rc)
	if status != 200 || !strings.Contains(rc.AuthURL, "redirect_uri="+url.QueryEscape(w.ts.URL+"/portal/oauth/callback")) {
		t.Fatalf("reconnect: %d %s", status, body)
	}
	// A callback no consent waits for is refused.
	if status, _ := a.do("GET", "/portal/oauth/callback?state=forged&code=x"); status != 400 {
		t.Fatalf("forged callback: %d", status)
	}
	back, err := fakes.ConsentRedirect(rc.AuthURL, "approve", nil)
	if err != nil || !strings.HasPrefix(back, w.ts.URL+"/portal/oauth/callback?") {
		t.Fatalf("the provider redirected to %q (%v)", back, err)
	}
	noFollow := *a.c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), w.ts.URL+"/portal/connections?connected=") {
		t.Fatalf("callback answered %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if body = a.consentEnded(rc.ConsentID); !strings.Contains(body, `"done"`) {
		t.Fatalf("consent: %s", body)
	}
	if c, _ := w.svc.GetConnection(ctx, w.connA); c.Status != domain.StatusActive {
		t.Fatalf("after the portal callback: %s", c.Status)
	}
	// The client's reconnection resumed the parked run by itself.
	waitFor(t, 60*time.Second, "the parked run to resume and complete", func() bool {
		run, _ = w.svc.GetRun(ctx, run.ID)
		return run.Status == domain.RunCompleted
	})
}
