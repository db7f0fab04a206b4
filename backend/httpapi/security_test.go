package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/httpapi"
	"patchbay/backend/portal"
)

// TestSecArchivedClientSessionStillWorks (review finding 1): archiving a
// client, revoking the link that opened a session, or "End sessions" ends
// the client's portal sessions at once.
func TestSecArchivedClientSessionStillWorks(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	req, err := w.svc.CreateReconnectRequest(ctx, w.connA, w.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	a := w.browser(t)
	if status, body := a.open(req.URL); status != 200 {
		t.Fatalf("open: %d %s", status, body)
	}
	if status, _ := a.do("GET", "/portal/api/connections"); status != 200 {
		t.Fatalf("list before archiving: %d", status)
	}
	if _, err := w.svc.ArchiveClient(ctx, w.clientA, true); err != nil {
		t.Fatal(err)
	}
	for _, ep := range []struct{ method, path string }{
		{"GET", "/portal/api/connections"},
		{"POST", "/portal/api/connections/" + w.connA + "/refresh"},
		{"POST", "/portal/api/connections/" + w.connA + "/reconnect"},
	} {
		if status, body := a.do(ep.method, ep.path); status != 401 || !strings.Contains(body, "no longer works") {
			t.Errorf("%s %s after archiving the client: %d %s", ep.method, ep.path, status, body)
		}
	}
	if _, err := w.svc.ArchiveClient(ctx, w.clientA, false); err != nil {
		t.Fatal(err)
	}
	if status, _ := a.do("GET", "/portal/api/connections"); status != 401 {
		t.Fatalf("restoring the client revived its ended session: %d", status)
	}

	// Revoking an opened link ends the sessions it started, not others.
	r1, _ := w.svc.CreateReconnectRequest(ctx, w.connA, w.ts.URL)
	r2, _ := w.svc.CreateReconnectRequest(ctx, w.connA, w.ts.URL)
	s1, s2 := w.browser(t), w.browser(t)
	s1.open(r1.URL)
	s2.open(r2.URL)
	list, _ := w.svc.ListPortalSessions(ctx, w.clientA)
	if len(list) != 2 {
		t.Fatalf("sessions %+v", list)
	}
	if raw, _ := json.Marshal(list); strings.Contains(string(raw), s1.csrf) || strings.Contains(string(raw), s2.csrf) || strings.Contains(string(raw), `"id"`) {
		t.Fatalf("the session list carries a cookie or CSRF token: %s", raw)
	}
	if err := w.svc.RevokeRequest(ctx, r1.ID); err != nil {
		t.Fatalf("revoke an opened link: %v", err)
	}
	if status, body := s1.do("GET", "/portal/api/connections"); status != 401 || !strings.Contains(body, "no longer works") {
		t.Errorf("session of a revoked link: %d %s", status, body)
	}
	if status, _ := s2.do("GET", "/portal/api/connections"); status != 200 {
		t.Errorf("the other link's session ended too: %d", status)
	}
	// End sessions ends the rest.
	if n, err := w.svc.EndPortalSessions(ctx, w.clientA); err != nil || n != 1 {
		t.Fatalf("end sessions: %d %v", n, err)
	}
	if status, body := s2.do("GET", "/portal/api/session"); status != 401 || !strings.Contains(body, "no longer works") {
		t.Errorf("after End sessions: %d %s", status, body)
	}
	if list, _ := w.svc.ListPortalSessions(ctx, w.clientA); len(list) != 0 {
		t.Errorf("sessions after End sessions: %+v", list)
	}
}

// TestSecHeadBurnsLink (review finding 5): HEAD and GET of a link (mail
// scanners, chat unfurlers) change nothing and start no session; the page
// names the client; only a same-origin POST from it consumes the link, so a
// cross-site form cannot log a victim into another client's portal.
func TestSecHeadBurnsLink(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	req, err := w.svc.CreateReconnectRequest(ctx, w.connA, w.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	scanner := w.browser(t)
	for _, method := range []string{"HEAD", "GET", "GET"} {
		r, _ := http.NewRequest(method, req.URL, nil)
		resp, err := scanner.c.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(resp.Cookies()) != 0 {
			t.Fatalf("%s of the link: %d, cookies %v", method, resp.StatusCode, resp.Cookies())
		}
		if method == "GET" && !strings.Contains(string(body), "Continue as Acme") {
			t.Fatalf("the page does not name the client: %s", body)
		}
	}
	if status, _ := scanner.do("GET", "/portal/api/connections"); status != 401 {
		t.Fatalf("the scanner got a session: %d", status)
	}
	// A cross-site POST (login CSRF) and a POST that names no origin are refused.
	for _, origin := range []string{"https://evil.example", "null", ""} {
		r, _ := http.NewRequest("POST", req.URL, nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		resp, err := scanner.c.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
			t.Fatalf("POST from origin %q: %d, cookies %v", origin, resp.StatusCode, resp.Cookies())
		}
	}
	if list, _ := w.svc.ListRequests(ctx, w.clientA); len(list) != 1 || list[0].State != "pending" {
		t.Fatalf("the link changed state: %+v", list)
	}
	// The client's own click works once; the portal names them.
	a := w.browser(t)
	if status, body := a.open(req.URL); status != 200 {
		t.Fatalf("open: %d %s", status, body)
	}
	if _, body := a.do("GET", "/portal/api/session"); !strings.Contains(body, `"clientName":"Acme"`) {
		t.Fatalf("session: %s", body)
	}
	if status, body := w.browser(t).open(req.URL); status != 401 || !strings.Contains(body, "already used") {
		t.Fatalf("second use: %d %s", status, body)
	}
}

// TestSecSharedRateLimitBucket (review finding 3): behind a tunnel every
// visitor arrives from one address; an anonymous flood of bad links must not
// lock a client with a valid link (or session) out. X-Forwarded-For counts
// only from the trusted proxy of Settings, and then only its last untrusted
// hop. The service clock is paused during the floods, so the limiters refill
// nothing and each bucket allows exactly its burst: the counts below do not
// depend on the machine's speed. Each step fails if the protection it names
// is removed: the per-address limit, the separate buckets of links and
// sessions, ignoring X-Forwarded-For from an untrusted peer, following it
// from a trusted one, and ignoring the hops a client wrote itself.
func TestSecSharedRateLimitBucket(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	base := w.serve(t, nil).URL // production limits; every request comes from 127.0.0.1
	burst := portal.DefaultLimiter().Burst()
	// flood sends 60 bad links with X-Forwarded-For xff(i) ("" for none)
	// and returns how many were answered (401) rather than refused (429).
	flood := func(xff func(i int) string) (answered int) {
		t.Helper()
		for i := 0; i < 60; i++ {
			r, _ := http.NewRequest("GET", fmt.Sprintf("%s/portal/r/junk-%d", base, i), nil)
			if v := xff(i); v != "" {
				r.Header.Set("X-Forwarded-For", v)
			}
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusUnauthorized:
				answered++
			case http.StatusTooManyRequests:
			default:
				t.Fatalf("bad link %d: status %d", i, resp.StatusCode)
			}
		}
		return answered
	}
	same := func(v string) func(int) string { return func(int) string { return v } }
	w.clock.Pause()

	if n := flood(same("")); n != burst {
		t.Fatalf("60 bad links from one address: %d answered, want the limiter's burst of %d", n, burst)
	}
	req, _ := w.svc.CreateReconnectRequest(ctx, w.connA, base)
	a := w.browser(t)
	a.base = base
	if status, body := a.open(req.URL); status != 200 {
		t.Fatalf("a valid link during the flood: %d %s", status, body)
	}
	for i := 0; i < 10; i++ {
		if status, body := a.do("GET", "/portal/api/connections"); status != 200 {
			t.Fatalf("a live session during the flood: %d %s", status, body)
		}
	}
	// Without a trusted proxy, X-Forwarded-For changes nothing: a visitor
	// claiming a new address on every request is still 127.0.0.1.
	if n := flood(func(i int) string { return fmt.Sprintf("198.51.100.%d", i) }); n != 0 {
		t.Fatalf("%d bad links with a forged X-Forwarded-For escaped the limit of their exhausted address", n)
	}
	// With the tunnel's address trusted, each visitor has their own bucket.
	if _, err := w.svc.UpdateSettings(ctx, domain.Settings{TrustedProxy: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if n := flood(same("203.0.113.5")); n != burst {
		t.Fatalf("a visitor behind the proxy: %d answered, want %d", n, burst)
	}
	// Behind it, the hops a client wrote before the proxy's are its own claims.
	if n := flood(func(i int) string { return fmt.Sprintf("198.51.100.%d, 203.0.113.7", i) }); n != burst {
		t.Fatalf("a visitor behind the proxy forging earlier hops: %d answered, want %d", n, burst)
	}
	r, _ := http.NewRequest("GET", base+"/portal/r/typo", nil)
	r.Header.Set("X-Forwarded-For", "203.0.113.6")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("another visitor behind the proxy: %d, want 401", resp.StatusCode)
	}
	if _, err := w.svc.UpdateSettings(ctx, domain.Settings{TrustedProxy: "not-an-ip"}); domain.Public(err).Field != "trustedProxy" {
		t.Fatalf("a bad trusted proxy was accepted: %v", err)
	}
}

// TestSecTokenRedirectStaysOnOrigin (review finding 14): the ?token=
// exchange redirects to a cleaned path of this origin, never to
// "/\evil.example" (which browsers read as //evil.example).
func TestSecTokenRedirectStaysOnOrigin(t *testing.T) {
	h := newHarness(t)
	for _, p := range []string{"/%5Cevil.example", "//evil.example", "/%5C%5Cevil.example/x", "/\\evil.example"} {
		resp, err := noRedirect().Get(h.ts.URL + p + "?token=" + h.srv.Token() + "&tab=1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		// (a 307 is ServeMux cleaning the path first, on this origin)
		if (resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusTemporaryRedirect) || !strings.HasPrefix(loc, "/") ||
			strings.HasPrefix(loc, "//") || strings.Contains(loc, "\\") || (resp.StatusCode == http.StatusSeeOther && strings.Contains(loc, "token")) {
			t.Errorf("GET %s?token=…: %d Location %q", p, resp.StatusCode, loc)
		}
	}
	if got := httpapi.CleanRedirect("/integrations/conn_1/monitoring"); got != "/integrations/conn_1/monitoring" {
		t.Errorf("a normal path was changed: %q", got)
	}
}

// TestSecPortalCookieSecure (review finding 10): when clients reach the
// portal over https (the public base URL), the session cookie is Secure.
func TestSecPortalCookieSecure(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	for _, tt := range []struct {
		public string
		secure bool
	}{{"", false}, {"https://portal.example.com", true}} {
		if _, err := w.svc.UpdateSettings(ctx, domain.Settings{PublicBaseURL: tt.public}); err != nil {
			t.Fatal(err)
		}
		req, err := w.svc.CreateReconnectRequest(ctx, w.connA, w.ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		p := req.URL[strings.Index(req.URL, "/portal/r/"):]
		r, _ := http.NewRequest("POST", w.ts.URL+p, nil)
		r.Header.Set("Origin", w.ts.URL)
		resp, err := noRedirect().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cs := resp.Cookies()
		if resp.StatusCode != http.StatusSeeOther || len(cs) != 1 || cs[0].Secure != tt.secure || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteStrictMode {
			t.Fatalf("public base %q: %d cookies %+v, want Secure=%v", tt.public, resp.StatusCode, cs, tt.secure)
		}
	}
}

// TestSecConsentStatusNotBoundToClient (review findings 7 and 8): a portal
// consent's status is readable only by the client that started it (never
// another client's, never the operator's), and a second Reconnect click
// replaces the first pending consent (its loopback listener closes).
func TestSecConsentStatusNotBoundToClient(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	ra, _ := w.svc.CreateReconnectRequest(ctx, w.connA, w.ts.URL)
	rb, _ := w.svc.CreateReconnectRequest(ctx, w.connB, w.ts.URL)
	a, b := w.browser(t), w.browser(t)
	a.open(ra.URL)
	b.open(rb.URL)
	reconnect := func(br *browser, conn string) string {
		status, body := br.do("POST", "/portal/api/connections/"+conn+"/reconnect")
		var rc struct{ ConsentID string }
		_ = json.Unmarshal([]byte(body), &rc)
		if status != 200 || rc.ConsentID == "" {
			t.Fatalf("reconnect: %d %s", status, body)
		}
		return rc.ConsentID
	}
	first := reconnect(a, w.connA)
	if status, body := b.do("GET", "/portal/api/consents/"+first); status != 404 {
		t.Errorf("client B read client A's pending consent: %d %s", status, body)
	}
	operator, err := w.svc.ReauthorizeConnection(ctx, w.teamConn, domain.ReauthorizeDraft{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.svc.CancelConsent(ctx, operator.ID)
	if status, body := a.do("GET", "/portal/api/consents/"+operator.ID); status != 404 {
		t.Errorf("client A read the operator's consent: %d %s", status, body)
	}
	if status, _ := a.do("GET", "/portal/api/consents/"+first); status != 200 {
		t.Errorf("client A cannot read its own consent: %d", status)
	}
	second := reconnect(a, w.connA)
	// The first consent's listener is cancelled; its state follows when its
	// goroutine sees that.
	waitFor(t, 60*time.Second, "a second Reconnect to end the first consent", func() bool {
		st, err := w.svc.GetConsent(ctx, first)
		return err != nil || st.State != domain.ConsentPending
	})
	if st, _ := w.svc.GetConsent(ctx, second); st.State != domain.ConsentPending {
		t.Errorf("the second consent is %s", st.State)
	}
	// The consent stays client A's when its connection moves to client B.
	if _, err := w.svc.SetConnectionOwner(ctx, w.connA, w.clientB); err != nil {
		t.Fatal(err)
	}
	if status, body := b.do("GET", "/portal/api/consents/"+second); status != 404 {
		t.Errorf("client B read the consent client A started before the connection moved: %d %s", status, body)
	}
	w.svc.CancelConsent(ctx, second)
}

// TestSecPortalAnswersItsPublicHost: the operator's server answers portal
// pages (never the operator's API) for the host of the public base URL in
// Settings, a tunnel's name, in any case and with or without the scheme's
// default port; another host or port is refused (421: DNS rebinding).
func TestSecPortalAnswersItsPublicHost(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	if _, err := w.svc.UpdateSettings(ctx, domain.Settings{PublicBaseURL: "https://Tunnel.Example.com"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		host, path string
		want       int
	}{
		{"tunnel.example.com", "/portal/r/junk", http.StatusUnauthorized},
		{"TUNNEL.example.COM:443", "/portal/r/junk", http.StatusUnauthorized},
		{"tunnel.example.com.", "/portal/r/junk", http.StatusUnauthorized},
		{"tunnel.example.com:8443", "/portal/r/junk", http.StatusMisdirectedRequest},
		{"evil.example", "/portal/r/junk", http.StatusMisdirectedRequest},
		{"tunnel.example.com.evil.example", "/portal/r/junk", http.StatusMisdirectedRequest},
		{"tunnel.example.com", "/api/rpc/ListConnections", http.StatusMisdirectedRequest},
	} {
		r, _ := http.NewRequest("GET", w.ts.URL+tt.path, nil)
		r.Host = tt.host
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s for host %q: %d, want %d", tt.path, tt.host, resp.StatusCode, tt.want)
		}
	}
}

func TestHostPort(t *testing.T) {
	for _, tt := range []struct{ in, host, port string }{
		{"example.com", "example.com", ""},
		{"Example.com:8788", "Example.com", "8788"},
		{"[::1]:8788", "::1", "8788"},
		{"[::1]", "::1", ""},
		{"", "", ""},
	} {
		if h, p := httpapi.HostPort(tt.in); h != tt.host || p != tt.port {
			t.Errorf("HostPort(%q) = %q, %q; want %q, %q", tt.in, h, p, tt.host, tt.port)
		}
	}
}

// TestSecForgedCallbacksCountAgainstTheAddress (review finding 3): on the
// portal's OAuth callback, a state no consent waits for is a failure and
// counts against the client address, like a bad link: a flood of made-up
// states is limited (each one used to get a bucket of its own), and a
// client's real callback from the same address still completes. The clock
// is paused, so the limiter allows exactly its burst.
func TestSecForgedCallbacksCountAgainstTheAddress(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	base := w.serve(t, nil).URL // production limits; every request comes from 127.0.0.1
	if _, err := w.svc.UpdateSettings(ctx, domain.Settings{PublicBaseURL: base}); err != nil {
		t.Fatal(err)
	}
	req, _ := w.svc.CreateReconnectRequest(ctx, w.connA, base)
	a := w.browser(t)
	a.base = base
	if status, body := a.open(req.URL); status != 200 {
		t.Fatalf("open: %d %s", status, body)
	}
	status, body := a.do("POST", "/portal/api/connections/"+w.connA+"/reconnect")
	var rc struct{ ConsentID, AuthURL string }
	_ = json.Unmarshal([]byte(body), &rc)
	if status != 200 || rc.AuthURL == "" {
		t.Fatalf("reconnect: %d %s", status, body)
	}
	w.clock.Pause()
	answered := 0
	for i := 0; i < 60; i++ {
		resp, err := http.Get(fmt.Sprintf("%s/portal/oauth/callback?state=forged-%d&code=x", base, i))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusBadRequest:
			answered++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("forged callback %d: status %d", i, resp.StatusCode)
		}
	}
	if burst := portal.DefaultLimiter().Burst(); answered != burst {
		t.Fatalf("60 forged callbacks from one address: %d answered, want the limiter's burst of %d", answered, burst)
	}
	back, err := fakes.ConsentRedirect(rc.AuthURL, "approve", nil)
	if err != nil || !strings.HasPrefix(back, base+"/portal/oauth/callback?") {
		t.Fatalf("the provider redirected to %q (%v)", back, err)
	}
	resp, err := noRedirect().Get(back)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), base+"/portal/connections?connected=") {
		t.Fatalf("the client's own callback after the flood: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
