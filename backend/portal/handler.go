package portal

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"patchbay/backend/domain"
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
	PortalConnections(ctx context.Context, clientID string) ([]domain.PortalConnection, error)
	PortalRefresh(ctx context.Context, clientID, id string) (domain.PortalConnection, error)
	PortalReconnect(ctx context.Context, clientID, id string) (domain.ConsentStatus, error)
	PortalConsent(ctx context.Context, clientID, consentID string) (domain.ConsentStatus, error)
	// ConsentCallback completes a consent the provider redirected back to
	// the portal (its state parameter names it).
	ConsentCallback(w http.ResponseWriter, r *http.Request)
}

// Handler serves /portal/r/{token} and /portal/api/….
type Handler struct {
	// NewLimiter makes the rate limiter of one client address (default
	// DefaultLimiter).
	NewLimiter func() *rate.Limiter

	svc       Service
	mu        sync.Mutex
	limiters  map[string]*rate.Limiter
	lastPrune time.Time
	now       domain.Clock
}

// pruneEvery is how often the handler drops the limiters of quiet addresses
// (checked whenever one is added), so a portal that many addresses reach
// holds only the live ones.
const pruneEvery = time.Minute

// pruneLocked drops the limiters of addresses that have been quiet long
// enough to be back at a full bucket (a new limiter for them would be the
// same). The caller holds h.mu.
func (h *Handler) pruneLocked() {
	now := domain.Now(h.now)
	if now.Sub(h.lastPrune) < pruneEvery {
		return
	}
	h.lastPrune = now
	for ip, lim := range h.limiters {
		if lim.Tokens() >= float64(lim.Burst()) {
			delete(h.limiters, ip)
		}
	}
}

// New returns the portal handler (now is the service's clock; the system
// clock if nil).
func New(svc Service, now domain.Clock) *Handler {
	return &Handler{svc: svc, limiters: map[string]*rate.Limiter{}, now: now}
}

// Register mounts the portal's routes on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /portal/r/{token}", h.limited(h.preview))
	mux.HandleFunc("POST /portal/r/{token}", h.limited(h.open))
	mux.HandleFunc("GET /portal/api/session", h.limited(h.withSession(h.sessionInfo)))
	mux.HandleFunc("GET /portal/api/connections", h.limited(h.withSession(h.list)))
	mux.HandleFunc("POST /portal/api/connections/{id}/refresh", h.limited(h.withSession(h.refresh)))
	mux.HandleFunc("POST /portal/api/connections/{id}/reconnect", h.limited(h.withSession(h.reconnect)))
	mux.HandleFunc("GET /portal/api/consents/{id}", h.limited(h.withSession(h.consent)))
	mux.HandleFunc("GET /portal/oauth/callback", h.limited(h.svc.ConsentCallback))
	mux.HandleFunc("/portal/api/", h.limited(func(w http.ResponseWriter, r *http.Request) {
		writeErr(w, http.StatusNotFound, "No such portal endpoint.")
	}))
}

// DefaultLimiter allows one client address 5 portal requests a second, in
// bursts of 20.
func DefaultLimiter() *rate.Limiter { return rate.NewLimiter(5, 20) }

// limited rate-limits portal requests per client address.
func (h *Handler) limited(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ip, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			ip = r.RemoteAddr
		}
		h.mu.Lock()
		lim, ok := h.limiters[ip]
		if !ok {
			lim = DefaultLimiter()
			if h.NewLimiter != nil {
				lim = h.NewLimiter()
			}
			h.pruneLocked()
			h.limiters[ip] = lim
		}
		h.mu.Unlock()
		if !lim.Allow() {
			w.Header().Set("Retry-After", "5")
			writeErr(w, http.StatusTooManyRequests, "Too many attempts. Wait a few seconds and try again.")
			return
		}
		next(w, r)
	}
}

// preview answers GET and HEAD of a link (also sent by mail scanners and
// chat link previews) with a page naming the client and a button; it
// changes nothing and starts no session.
func (h *Handler) preview(w http.ResponseWriter, r *http.Request) {
	link, err := h.svc.PreviewRequest(r.Context(), r.PathValue("token"))
	if err != nil {
		page(w, http.StatusUnauthorized, domain.Public(err).Message)
		return
	}
	// A same-origin policy (instead of no-referrer) lets the browser send
	// its Origin with the button's POST.
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	name := html.EscapeString(link.ClientName)
	fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Patchbay portal · %s</title>`+
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
		page(w, http.StatusForbidden, "Open the link you were sent and choose Continue on its page.")
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
			writeErr(w, http.StatusUnauthorized, domain.Public(err).Message)
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
	fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><title>Patchbay portal</title><body style="font-family:sans-serif;margin:4em"><h1>Reconnect your connection</h1><p>%s</p></body>`, html.EscapeString(msg))
}
