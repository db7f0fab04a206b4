package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/httpapi"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
	"patchbay/backend/store"
)

type harness struct {
	srv     *httpapi.Server
	svc     *service.Service
	ts      *httptest.Server
	cookie  *http.Cookie
	fakeURL string
	ws      string
	bodies  []string // every response body, scanned for secrets
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	fake := httptest.NewServer(fakes.New().Handler())
	t.Cleanup(fake.Close)
	st, err := store.Open(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, _ := providers.Load()
	svc := service.New(service.Options{Store: st, Secrets: secrets.NewMemory(), Catalogue: cat, LockDir: t.TempDir()})
	t.Cleanup(svc.Wait) // before the store closes: consents, sweeps and runs stop
	if err := svc.EnsureDefaultWorkspace(context.Background()); err != nil {
		t.Fatal(err)
	}
	ws, _ := svc.ListWorkspaces(context.Background())
	assets := fstest.MapFS{
		"index.html":    {Data: []byte("<!doctype html><title>Patchbay</title><header>operator shell</header>")},
		"portal.html":   {Data: []byte("<!doctype html><title>Patchbay</title><main>portal shell</main>")},
		"assets/app.js": {Data: []byte("console.log(1)")},
	}
	ts := httptest.NewUnstartedServer(nil)
	h := &harness{fakeURL: fake.URL, ws: ws[0].ID, svc: svc}
	h.srv = httpapi.New(svc, assets, ts.Listener.Addr(), nil)
	ts.Config.Handler = h.srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	h.ts = ts
	return h
}

func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (h *harness) login(t *testing.T) {
	t.Helper()
	resp, err := noRedirect().Get(h.ts.URL + "/integrations?token=" + h.srv.Token())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/integrations" {
		t.Fatalf("token exchange: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, c := range resp.Cookies() {
		if c.Name == httpapi.CookieName {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Fatalf("session cookie not HttpOnly/Strict: %+v", c)
			}
			h.cookie = c
		}
	}
	if h.cookie == nil {
		t.Fatal("no session cookie")
	}
}

// call POSTs an RPC with the session cookie and CSRF header.
func (h *harness) call(t *testing.T, method string, args ...any) (int, map[string]any, []byte) {
	t.Helper()
	body, _ := json.Marshal(args)
	if args == nil {
		body = []byte("[]")
	}
	req, _ := http.NewRequest("POST", h.ts.URL+"/api/rpc/"+method, strings.NewReader(string(body)))
	req.Header.Set(httpapi.CSRFHeader, "1")
	req.Header.Set("Content-Type", "application/json")
	if h.cookie != nil {
		req.AddCookie(h.cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	h.bodies = append(h.bodies, string(raw))
	var errBody map[string]any
	if resp.StatusCode != 200 {
		_ = json.Unmarshal(raw, &errBody)
	}
	return resp.StatusCode, errBody, raw
}

func (h *harness) draft(key string) domain.ConnectionDraft {
	return domain.ConnectionDraft{Provider: "generic_api_key", AuthMode: "api_key", Label: "Demo", WorkspaceIDs: []string{h.ws},
		BaseURL: h.fakeURL, Config: map[string]string{"headerName": fakes.GenericHeader, "validationUrl": fakes.GenericValidate},
		Secrets: map[string]string{"apiKey": key}}
}

func TestAccessControl(t *testing.T) {
	h := newHarness(t)
	do := func(method, path string, hdr map[string]string, withCookie bool) *http.Response {
		req, _ := http.NewRequest(method, h.ts.URL+path, strings.NewReader("[]"))
		for k, v := range hdr {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		if withCookie && h.cookie != nil {
			req.AddCookie(h.cookie)
		}
		resp, err := noRedirect().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := do("GET", "/?token=wrong", nil, false); r.StatusCode != 401 {
		t.Fatalf("wrong token: %d", r.StatusCode)
	}
	h.login(t)
	tests := []struct {
		name   string
		method string
		path   string
		hdr    map[string]string
		cookie bool
		want   int
	}{
		{"no session", "POST", "/api/rpc/ListConnections", map[string]string{"X-Patchbay": "1"}, false, 401},
		{"no CSRF header", "POST", "/api/rpc/ListConnections", nil, true, 401},
		{"cross-site origin", "POST", "/api/rpc/ListConnections", map[string]string{"X-Patchbay": "1", "Origin": "https://evil.example"}, true, 401},
		{"DNS rebinding host", "POST", "/api/rpc/ListConnections", map[string]string{"X-Patchbay": "1", "Host": "evil.example:80"}, true, 421},
		{"bearer token works", "POST", "/api/rpc/ListConnections", map[string]string{"X-Patchbay": "1", "Authorization": "Bearer " + h.srv.Token()}, false, 200},
		{"same origin ok", "POST", "/api/rpc/ListConnections", map[string]string{"X-Patchbay": "1", "Origin": h.ts.URL}, true, 200},
		{"localhost alias ok", "POST", "/api/rpc/ListConnections", map[string]string{"X-Patchbay": "1", "Host": "localhost:" + port(h.ts.URL)}, true, 200},
		{"unknown method", "POST", "/api/rpc/DropTables", map[string]string{"X-Patchbay": "1"}, true, 404},
		{"unknown api path", "GET", "/api/nope", nil, true, 404},
		{"static asset", "GET", "/assets/app.js", nil, false, 200},
		{"deep link falls back to index", "GET", "/default/monitoring/workflow-runs/w1/r1", nil, false, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(tt.method, tt.path, tt.hdr, tt.cookie)
			if r.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.want)
			}
			if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") || r.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Fatalf("security headers missing: %v", r.Header)
			}
		})
	}
	// The Origin is checked when a browser sends one (callers with the
	// bearer token send none; "localhost alias ok" above sends none). A page
	// of another origin cannot send X-Patchbay without a CORS preflight,
	// which is refused (SECURITY.md item 14; the README says so).
	r := do("OPTIONS", "/api/rpc/ListConnections", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "x-patchbay"}, true)
	if r.StatusCode < 400 || r.Header.Get("Access-Control-Allow-Origin") != "" || r.Header.Get("Access-Control-Allow-Headers") != "" {
		t.Fatalf("a CORS preflight was answered: %d %v", r.StatusCode, r.Header)
	}
}

// The client portal's paths get portal.html (no operator header or
// navigation, frontend/vite.config.ts), from the operator's server and from
// the portal's own listener; every other page gets index.html's shell.
func TestPortalPathsGetThePortalPage(t *testing.T) {
	h := newHarness(t)
	portalOnly := httptest.NewUnstartedServer(nil)
	portalOnly.Config.Handler = httpapi.NewPortal(h.svc, fstest.MapFS{
		"index.html":  {Data: []byte("<header>operator shell</header>")},
		"portal.html": {Data: []byte("<main>portal shell</main>")},
	}, portalOnly.Listener.Addr(), nil).Handler()
	portalOnly.Start()
	t.Cleanup(portalOnly.Close)
	for _, tt := range []struct{ base, path, want string }{
		{h.ts.URL, "/portal/", "portal shell"},
		{h.ts.URL, "/portal", "portal shell"},
		{h.ts.URL, "/portal/connections/conn_1", "portal shell"},
		{h.ts.URL, "/portal/connections?connected=conn_1", "portal shell"},
		{portalOnly.URL, "/portal/", "portal shell"},
		{portalOnly.URL, "/portal/connections/conn_1", "portal shell"},
		{h.ts.URL, "/", "operator shell"},
		{h.ts.URL, "/integrations", "operator shell"},
		{h.ts.URL, "/portalish", "operator shell"},
	} {
		resp, err := http.Get(tt.base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), tt.want) || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: %d %q (Cache-Control %q), want the %s", tt.path, resp.StatusCode, body, resp.Header.Get("Cache-Control"), tt.want)
		}
	}
}

func port(u string) string {
	_, p, _ := net.SplitHostPort(strings.TrimPrefix(u, "http://"))
	return p
}

func TestRPC(t *testing.T) {
	h := newHarness(t)
	h.login(t)
	tests := []struct {
		name      string
		method    string
		args      []any
		want      int
		wantCode  string
		wantField string
	}{
		{"list workspaces", "ListWorkspaces", nil, 200, "", ""},
		{"validate draft with bad key is a 200 with a failed check", "ValidateDraft", []any{h.draft(fakes.GenericBadKey)}, 200, "", ""},
		{"create with bad key", "CreateConnection", []any{h.draft(fakes.GenericBadKey)}, 422, domain.EValidation, ""},
		{"create without key", "CreateConnection", []any{h.draft(" ")}, 400, domain.EInvalid, "apiKey"},
		{"wrong arity", "GetConnection", nil, 400, domain.EInvalid, ""},
		{"bad argument type", "GetConnection", []any{42}, 400, domain.EInvalid, ""},
		{"missing connection", "GetConnection", []any{"conn_x"}, 404, domain.ENotFound, ""},
		{"create", "CreateConnection", []any{h.draft(fakes.GenericGoodKey)}, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, errBody, _ := h.call(t, tt.method, tt.args...)
			if status != tt.want {
				t.Fatalf("status %d, want %d (%v)", status, tt.want, errBody)
			}
			if tt.wantCode != "" {
				e, _ := errBody["error"].(map[string]any)
				if e["code"] != tt.wantCode || (tt.wantField != "" && e["field"] != tt.wantField) || e["message"] == "" {
					t.Fatalf("error body %v", errBody)
				}
			}
		})
	}
	// The list has the rows' summaries; the connection itself (with its
	// masked hint) comes from GetConnection.
	status, _, raw := h.call(t, "ListConnections")
	var list []domain.ConnectionSummary
	if status != 200 || json.Unmarshal(raw, &list) != nil || len(list) != 1 || list[0].Label != "Demo" || strings.Contains(string(raw), "secretHint") {
		t.Fatalf("list: %d %s", status, raw)
	}
	if status, _, raw := h.call(t, "GetConnection", list[0].ID); status != 200 || !strings.Contains(string(raw), "••••0001") {
		t.Fatalf("get: %d %s", status, raw)
	}
	for _, b := range h.bodies {
		if strings.Contains(b, fakes.GenericGoodKey) || strings.Contains(b, fakes.GenericBadKey) {
			t.Fatalf("an API response contains a secret: %s", b)
		}
	}
}

func TestEventsStream(t *testing.T) {
	h := newHarness(t)
	h.login(t)
	req, _ := http.NewRequest("GET", h.ts.URL+"/api/events", nil)
	req.AddCookie(h.cookie)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(resp.Body)
	if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, ": connected") {
		t.Fatalf("first line %q", line)
	}
	if status, _, _ := h.call(t, "CreateConnection", h.draft(fakes.GenericGoodKey)); status != 200 {
		t.Fatalf("create: %d", status)
	}
	var got []string
	for len(got) < 2 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended: %v (got %v)", err, got)
		}
		if line = strings.TrimSpace(line); line != "" {
			got = append(got, line)
		}
		if len(got) == 2 && got[0] == "event: audit:changed" { // the audit log's event may come first
			got = nil
		}
	}
	if got[0] != "event: connection:changed" || !strings.HasPrefix(got[1], `data: {"id":"conn_`) {
		t.Fatalf("event lines %v", got)
	}
}
