package portal

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"patchbay/backend/domain"
	"patchbay/backend/oauth"
)

// CookieName is the portal session cookie (separate from the operator's).
const CookieName = "patchbay_portal"

// CSRFHeader carries the session's CSRF token on every portal POST.
const CSRFHeader = "X-CSRF-Token"

// Service is what the portal needs from the service layer; every call is
// scoped to one client.
type Service interface {
	// PreviewRequest checks a link without using it and names its client.
	PreviewRequest(ctx context.Context, token string) (domain.PortalLink, error)
	// OpenRequest uses a link once and starts a session of its client.
	OpenRequest(ctx context.Context, token string) (domain.PortalSession, error)
	// PortalSession returns a live session by its cookie value, checked
	// against the client's current state.
	PortalSession(ctx context.Context, id string) (domain.PortalSession, error)
	// PortalCookieSecure reports that clients reach the portal over https.
	PortalCookieSecure(ctx context.Context) bool
	// PortalTrustedProxies lists the proxies whose X-Forwarded-For counts.
	PortalTrustedProxies(ctx context.Context) []netip.Prefix
	PortalConnections(ctx context.Context, clientID string) ([]domain.PortalConnection, error)
	PortalRefresh(ctx context.Context, clientID, id string) (domain.PortalConnection, error)
	PortalReconnect(ctx context.Context, clientID, id string) (domain.ConsentStatus, error)
	PortalConsent(ctx context.Context, clientID, consentID string) (domain.ConsentStatus, error)
	// ConsentCallback completes a consent the provider redirected back to
	// the portal (its state parameter names it) and returns the page the
	// browser is shown.
	ConsentCallback(ctx context.Context, p oauth.CallbackParams) oauth.CallbackPage
}

// Handler serves /portal/r/{token} and /portal/api/….
type Handler struct {
	// NewLimiter makes the rate limiter of one key (default DefaultLimiter).
	NewLimiter func() *rate.Limiter

	svc       Service
	mu        sync.Mutex
	limiters  map[string]*limiterEntry
	lastPrune time.Time
	now       domain.Clock
}

// pruneEvery is how often the handler drops the limiters of quiet keys
// (checked whenever one is added), so a portal that many addresses reach
// holds only the live ones.
const pruneEvery = time.Minute

// pruneLocked drops the limiters of keys that have been quiet long enough
// to be back at a full bucket (a new limiter for them would be the same).
// The caller holds h.mu.
func (h *Handler) pruneLocked(now time.Time) {
	if now.Sub(h.lastPrune) < pruneEvery {
		return
	}
	h.lastPrune = now
	for k, e := range h.limiters {
		if e.lim.TokensAt(now) >= float64(e.lim.Burst()) {
			delete(h.limiters, k)
		}
	}
}

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

// MaxLimiters caps the rate limiters held at once: past it, the ones idle
// for LimiterIdle go, then the least recently used half.
const MaxLimiters = 4096

// LimiterIdle is how long an unused rate limiter is kept once the cap is
// reached.
const LimiterIdle = 10 * time.Minute

// New returns the portal handler (now is the service's clock; the system
// clock if nil).
func New(svc Service, now domain.Clock) *Handler {
	return &Handler{svc: svc, limiters: map[string]*limiterEntry{}, now: now}
}

// Register mounts the portal's routes on mux. Requests are rate limited
// per link (a valid one) and per session (a live one); only failures (a bad
// link, no session, an OAuth state no consent waits for) count against the
// client address,
// so behind a tunnel, where every visitor has the tunnel's address, an
// anonymous flood cannot lock clients out.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /portal/r/{token}", h.preview)
	mux.HandleFunc("POST /portal/r/{token}", h.open)
	mux.HandleFunc("GET /portal/api/session", h.withSession(h.sessionInfo))
	mux.HandleFunc("GET /portal/api/connections", h.withSession(h.list))
	mux.HandleFunc("POST /portal/api/connections/{id}/refresh", h.withSession(h.refresh))
	mux.HandleFunc("POST /portal/api/connections/{id}/reconnect", h.withSession(h.reconnect))
	mux.HandleFunc("GET /portal/api/consents/{id}", h.withSession(h.consent))
	mux.HandleFunc("GET /portal/oauth/callback", func(w http.ResponseWriter, r *http.Request) {
		// A state no consent waits for counts against the address, like a
		// bad link; a pending consent's callback is used once.
		page := h.svc.ConsentCallback(r.Context(), oauth.CallbackParamsOf(r.URL.Query()))
		if page.Unknown && !h.allow(h.addrKey(r)) {
			tooMany(w)
			return
		}
		oauth.WriteCallbackPage(w, r, page)
	})
	mux.HandleFunc("/portal/api/", func(w http.ResponseWriter, r *http.Request) {
		if !h.allow(h.addrKey(r)) {
			tooMany(w)
			return
		}
		writeErr(w, http.StatusNotFound, "No such portal endpoint.")
	})
}

// DefaultLimiter allows one key 5 portal requests a second, in bursts of 20.
func DefaultLimiter() *rate.Limiter { return rate.NewLimiter(5, 20) }

// allow takes one request from key's bucket.
func (h *Handler) allow(key string) bool {
	now := domain.Now(h.now)
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.limiters[key]
	if !ok {
		h.pruneLocked(now)
		if len(h.limiters) >= MaxLimiters {
			h.evictLocked(now)
		}
		lim := DefaultLimiter()
		if h.NewLimiter != nil {
			lim = h.NewLimiter()
		}
		e = &limiterEntry{lim: lim}
		h.limiters[key] = e
	}
	e.seen = now
	return e.lim.AllowN(now, 1)
}

// evictLocked drops idle limiters, then the least recently used half.
func (h *Handler) evictLocked(now time.Time) {
	for k, e := range h.limiters {
		if now.Sub(e.seen) > LimiterIdle {
			delete(h.limiters, k)
		}
	}
	if len(h.limiters) < MaxLimiters {
		return
	}
	keys := make([]string, 0, len(h.limiters))
	for k := range h.limiters {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return h.limiters[keys[i]].seen.Before(h.limiters[keys[j]].seen) })
	for _, k := range keys[:len(keys)/2] {
		delete(h.limiters, k)
	}
}

// addrKey is the limiter key of the request's client address.
func (h *Handler) addrKey(r *http.Request) string {
	return "a:" + ClientAddr(r, h.svc.PortalTrustedProxies)
}

// ClientAddr is the address of the client that sent r: the peer, or, when
// the peer is a trusted proxy, the last X-Forwarded-For entry that is not
// one (earlier entries are the client's own claims).
func ClientAddr(r *http.Request, trusted func(context.Context) []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	xff := r.Header.Values("X-Forwarded-For")
	if len(xff) == 0 {
		return host
	}
	proxies := trusted(r.Context())
	isTrusted := func(s string) bool {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range proxies {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !isTrusted(host) {
		return host
	}
	hops := strings.Split(strings.Join(xff, ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if !isTrusted(hop) {
			if a, err := netip.ParseAddr(hop); err == nil {
				return a.Unmap().String()
			}
			return host // garbage: count it against the proxy
		}
	}
	return host
}

func tooMany(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "5")
	writeErr(w, http.StatusTooManyRequests, "Too many attempts. Wait a few seconds and try again.")
}

// linkFailed answers a link that cannot be used; failures count against the
// client address.
func (h *Handler) linkFailed(w http.ResponseWriter, r *http.Request, err error) {
	if !h.allow(h.addrKey(r)) {
		tooMany(w)
		return
	}
	page(w, http.StatusUnauthorized, domain.Public(err).Message)
}

// preview answers GET and HEAD of a link (also sent by mail scanners and
// chat link previews) with a page naming the client and a button; it
// changes nothing and starts no session.
func (h *Handler) preview(w http.ResponseWriter, r *http.Request) {
	link, err := h.svc.PreviewRequest(r.Context(), r.PathValue("token"))
	if err != nil {
		h.linkFailed(w, r, err)
		return
	}
	if !h.allow("l:" + r.PathValue("token")) {
		tooMany(w)
		return
	}
	// A same-origin policy (instead of no-referrer) lets the browser send
	// its Origin with the button's POST.
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	name := html.EscapeString(link.ClientName)
	fmt.Fprintf(w, `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Patchbay portal · %s</title>`+
		`<body style="font-family:sans-serif;margin:4em"><h1>Reconnect your connections</h1>`+
		`<p>This link opens the connections of <strong>%s</strong>. It works once.</p>`+
		`<form method="post"><button type="submit" style="font-size:1.1em;padding:.5em 1em">Continue as %s</button></form>`+
		`<p style="color:#6b7280">Not %s? Close this page and tell the sender.</p></body>`, name, name, name, name)
}

// sameOrigin reports whether a POST came from a page of this portal: its
// Origin names this host (a form's POST always carries one), or, when the
// browser sent none, Sec-Fetch-Site says same-origin.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return r.Header.Get("Sec-Fetch-Site") == "same-origin"
	}
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host == r.Host
}

// open uses a reconnection link on the POST of its "Continue as …" page
// and starts a portal session.
func (h *Handler) open(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		if !h.allow(h.addrKey(r)) {
			tooMany(w)
			return
		}
		page(w, http.StatusForbidden, "Open the link you were sent and choose Continue on its page.")
		return
	}
	if _, err := h.svc.PreviewRequest(r.Context(), r.PathValue("token")); err != nil {
		h.linkFailed(w, r, err)
		return
	}
	if !h.allow("l:" + r.PathValue("token")) {
		tooMany(w)
		return
	}
	ps, err := h.svc.OpenRequest(r.Context(), r.PathValue("token"))
	if err != nil {
		page(w, http.StatusUnauthorized, domain.Public(err).Message)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: ps.ID, Path: "/portal/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil || h.svc.PortalCookieSecure(r.Context()), MaxAge: int(ps.ExpiresAt.Sub(ps.CreatedAt).Seconds())})
	http.Redirect(w, r, "/portal/connections", http.StatusSeeOther)
}

type sessionHandler func(w http.ResponseWriter, r *http.Request, s domain.PortalSession)

// withSession admits requests with a live portal session (checked by the
// service against the client on every request); POSTs must carry the
// session's CSRF token.
func (h *Handler) withSession(next sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := ""
		if c, err := r.Cookie(CookieName); err == nil {
			id = c.Value
		}
		s, err := h.svc.PortalSession(r.Context(), id)
		if err != nil {
			if !h.allow(h.addrKey(r)) {
				tooMany(w)
				return
			}
			writeErr(w, http.StatusUnauthorized, domain.Public(err).Message)
			return
		}
		if !h.allow("s:" + id) {
			tooMany(w)
			return
		}
		if r.Method != http.MethodGet && subtle.ConstantTimeCompare([]byte(r.Header.Get(CSRFHeader)), []byte(s.CSRF)) != 1 {
			writeErr(w, http.StatusForbidden, "This request did not come from the portal page. Reload it and try again.")
			return
		}
		next(w, r, s)
	}
}

func (h *Handler) sessionInfo(w http.ResponseWriter, r *http.Request, s domain.PortalSession) {
	writeJSON(w, http.StatusOK, map[string]string{"csrf": s.CSRF, "clientName": s.ClientName})
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request, s domain.PortalSession) {
	list, err := h.svc.PortalConnections(r.Context(), s.ClientID)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, domain.Public(err).Message)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (h *Handler) refresh(w http.ResponseWriter, r *http.Request, s domain.PortalSession) {
	c, err := h.svc.PortalRefresh(r.Context(), s.ClientID, r.PathValue("id"))
	if err != nil {
		writeServiceErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"connection": c, "message": "Connection refreshed."})
}

func (h *Handler) reconnect(w http.ResponseWriter, r *http.Request, s domain.PortalSession) {
	st, err := h.svc.PortalReconnect(r.Context(), s.ClientID, r.PathValue("id"))
	if err != nil {
		writeServiceErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"consentId": st.ID, "authUrl": st.AuthURL})
}

func (h *Handler) consent(w http.ResponseWriter, r *http.Request, s domain.PortalSession) {
	st, err := h.svc.PortalConsent(r.Context(), s.ClientID, r.PathValue("id"))
	if err != nil {
		writeServiceErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func writeServiceErr(w http.ResponseWriter, err error) {
	e := domain.Public(err)
	status := http.StatusInternalServerError
	switch e.Code {
	case domain.EInvalid, domain.EValidation:
		status = http.StatusBadRequest
	case domain.ENotFound:
		status = http.StatusNotFound
	case domain.EConflict:
		status = http.StatusConflict
	case domain.EUnavailable:
		status = http.StatusServiceUnavailable
	}
	writeErr(w, status, e.Message)
}

func writeErr(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]map[string]string{"error": {"message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// page answers a link that cannot be used with a small readable page.
func page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html><html lang="en"><meta charset="utf-8"><title>Patchbay portal</title><body style="font-family:sans-serif;margin:4em"><h1>Reconnect your connection</h1><p>%s</p></body>`, html.EscapeString(msg))
}
