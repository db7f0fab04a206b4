package portal

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/oauth"
)

// FuzzVerify: link verification never panics, accepts only what Sign made
// with the same key, and round-trips every request id Sign is given.
func FuzzVerify(f *testing.F) {
	s := Signer{Key: []byte("0123456789abcdef0123456789abcdef")}
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, seed := range []string{"", ".", "a.b", s.Sign("req_1", exp), s.Sign("req_1", exp) + "x", "cmVxXzF8MTg5MzQ1NjAwMA.AAAA", "%%%.%%%"} {
		f.Add(seed, "req_1")
	}
	f.Fuzz(func(t *testing.T, token, id string) {
		now := exp.Add(-time.Hour)
		if _, err := s.Verify(token, now); err == nil {
			if _, err2 := (Signer{Key: []byte("another key")}).Verify(token, now); err2 == nil {
				t.Fatalf("token %q verifies under two keys", token)
			}
		}
		if strings.Contains(id, "|") {
			return
		}
		tok := s.Sign(id, exp)
		if got, err := s.Verify(tok, now); err != nil || got != id {
			t.Fatalf("Sign/Verify of %q: %q %v", id, got, err)
		}
		if _, err := s.Verify(tok, exp.Add(time.Second)); !errors.Is(err, ErrExpired) {
			t.Fatalf("an expired token verified: %v", err)
		}
		if _, err := (Signer{Key: []byte("another key")}).Verify(tok, now); !errors.Is(err, ErrForged) {
			t.Fatalf("a token verified under another key: %v", err)
		}
	})
}

// stubService answers the portal handler: "good" is the only valid link,
// "sess" the only session.
type stubService struct{}

func (stubService) PreviewRequest(_ context.Context, token string) (domain.PortalLink, error) {
	if token == "good" {
		return domain.PortalLink{ClientName: "<Acme & Co>"}, nil
	}
	return domain.PortalLink{}, domain.Errorf(domain.EUnauthorized, "This link is not valid; ask for a new one.")
}
func (s stubService) OpenRequest(ctx context.Context, token string) (domain.PortalSession, error) {
	if _, err := s.PreviewRequest(ctx, token); err != nil {
		return domain.PortalSession{}, err
	}
	return domain.PortalSession{ID: "sess", CSRF: "csrf", ClientID: "cli_1", ClientName: "Acme", ExpiresAt: time.Unix(7200, 0), CreatedAt: time.Unix(0, 0)}, nil
}
func (stubService) PortalSession(_ context.Context, id string) (domain.PortalSession, error) {
	if id == "sess" {
		return domain.PortalSession{ID: "sess", CSRF: "csrf", ClientID: "cli_1", ClientName: "Acme"}, nil
	}
	return domain.PortalSession{}, domain.Errorf(domain.EUnauthorized, "ended")
}
func (stubService) PortalCookieSecure(context.Context) bool { return false }
func (stubService) PortalTrustedProxies(context.Context) []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
}
func (stubService) PortalConnections(context.Context, string) ([]domain.PortalConnection, error) {
	return []domain.PortalConnection{{ID: "conn_1", Label: "CRM"}}, nil
}
func (stubService) PortalRefresh(_ context.Context, _, id string) (domain.PortalConnection, error) {
	if id != "conn_1" {
		return domain.PortalConnection{}, domain.Errorf(domain.ENotFound, "Connection not found.")
	}
	return domain.PortalConnection{}, domain.Errorf(domain.EInvalid, domain.ErrCannotRefresh)
}
func (stubService) PortalReconnect(_ context.Context, _, id string) (domain.ConsentStatus, error) {
	return domain.ConsentStatus{}, domain.Errorf(domain.ENotFound, "Connection not found.")
}
func (stubService) PortalConsent(context.Context, string, string) (domain.ConsentStatus, error) {
	return domain.ConsentStatus{}, domain.Errorf(domain.ENotFound, "not found")
}
func (stubService) ConsentCallback(context.Context, oauth.CallbackParams) oauth.CallbackPage {
	return oauth.CallbackPage{Message: "no such consent"}
}

// FuzzPortalRequests: any method, path, cookie, CSRF header, origin,
// X-Forwarded-For and body reaching the portal's routes is answered with a
// known status, never a panic or a 500, and never sets a session cookie
// except on the same-origin POST of the valid link.
func FuzzPortalRequests(f *testing.F) {
	f.Add("GET", "/portal/r/good", "", "", "", "", "")
	f.Add("POST", "/portal/r/good", "", "", "http://portal.test", "", "")
	f.Add("POST", "/portal/r/good", "", "", "null", "", "")
	f.Add("HEAD", "/portal/r/bad", "", "", "", "", "")
	f.Add("GET", "/portal/api/connections", "sess", "", "", "203.0.113.1", "")
	f.Add("POST", "/portal/api/connections/conn_1/refresh", "sess", "csrf", "", "", `{"x":1}`)
	f.Add("POST", "/portal/api/connections/x/reconnect", "sess", "bad", "", "1.1.1.1, 2.2.2.2", "[]")
	f.Add("GET", "/portal/api/consents/%2e%2e", "", "", "", "garbage", "")
	f.Add("GET", "/portal/oauth/callback?state=x&code=y", "", "", "", "", "")
	f.Add("PUT", "/portal/api/nope", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, method, path, cookie, csrf, origin, xff, body string) {
		if !strings.HasPrefix(path, "/portal/") {
			path = "/portal/" + path
		}
		req, err := http.NewRequest(method, "http://portal.test"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Host, req.RemoteAddr = "portal.test", "127.0.0.1:5000"
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: CookieName, Value: cookie})
		}
		for k, v := range map[string]string{CSRFHeader: csrf, "Origin": origin, "X-Forwarded-For": xff} {
			if v != "" {
				req.Header[k] = []string{v}
			}
		}
		h := New(stubService{}, func() time.Time { return time.Unix(0, 0) })
		mux := http.NewServeMux()
		h.Register(mux)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		switch w.Code {
		case 200, 301, 303, 307, 308, 400, 401, 403, 404, 405, 409, 429:
		default:
			t.Fatalf("%s %s: status %d %s", method, path, w.Code, w.Body)
		}
		if strings.Contains(w.Header().Get("Set-Cookie"), CookieName) && !(method == "POST" && w.Code == http.StatusSeeOther) {
			t.Fatalf("%s %s set a session cookie (%d)", method, path, w.Code)
		}
		if strings.Contains(w.Body.String(), "<Acme") {
			t.Fatalf("the client name was not escaped: %s", w.Body)
		}
	})
}
