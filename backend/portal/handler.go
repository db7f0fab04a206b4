package portal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"patchbay/backend/domain"
)

// CookieName is the portal session cookie (separate from the operator's).
const CookieName = "patchbay_portal"

// CSRFHeader carries the session's CSRF token on every portal POST.
const CSRFHeader = "X-CSRF-Token"

// SessionTTL is how long a portal session lasts.
const SessionTTL = 2 * time.Hour

// Service is what the portal needs from the service layer; every call is
// scoped to one client.
type Service interface {
	OpenRequest(ctx context.Context, token string) (clientID string, err error)
	PortalConnections(ctx context.Context, clientID string) ([]domain.PortalConnection, error)
	PortalRefresh(ctx context.Context, clientID, id string) (domain.PortalConnection, error)
	PortalReconnect(ctx context.Context, clientID, id string) (domain.ConsentStatus, error)
	PortalConsent(ctx context.Context, clientID, consentID string) (domain.ConsentStatus, error)
	// ConsentCallback completes a consent the provider redirected back to
	// the portal (its state parameter names it).
	ConsentCallback(w http.ResponseWriter, r *http.Request)
}

type session struct {
	clientID string
	csrf     string
	expires  time.Time
}

// Handler serves /portal/r/{token} and /portal/api/….
type Handler struct {
	// NewLimiter makes the rate limiter of one client address (default
	// DefaultLimiter).
	NewLimiter func() *rate.Limiter

	svc      Service
	mu       sync.Mutex
	sessions map[string]session
	limiters map[string]*rate.Limiter
	now      domain.Clock
}

// New returns the portal handler; its sessions expire on the clock now (the
// service's; the system clock if nil).
func New(svc Service, now domain.Clock) *Handler {
	return &Handler{svc: svc, sessions: map[string]session{}, limiters: map[string]*rate.Limiter{}, now: now}
}

// Register mounts the portal's routes on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /portal/r/{token}", h.limited(h.open))
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

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// open redeems a reconnection link and starts a portal session.
func (h *Handler) open(w http.ResponseWriter, r *http.Request) {
	clientID, err := h.svc.OpenRequest(r.Context(), r.PathValue("token"))
	if err != nil {
		page(w, http.StatusUnauthorized, domain.Public(err).Message)
		return
	}
	id := randomHex(32)
	h.mu.Lock()
	h.sessions[id] = session{clientID: clientID, csrf: randomHex(16), expires: domain.Now(h.now).Add(SessionTTL)}
	h.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: id, Path: "/portal/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: int(SessionTTL.Seconds())})
	http.Redirect(w, r, "/portal/connections", http.StatusSeeOther)
}

type sessionHandler func(w http.ResponseWriter, r *http.Request, s session)

// withSession admits requests with a live portal session; POSTs must carry
// the session's CSRF token.
func (h *Handler) withSession(next sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(CookieName)
		var s session
		ok := false
		if err == nil {
			h.mu.Lock()
			s, ok = h.sessions[c.Value]
			h.mu.Unlock()
		}
		if !ok || domain.Now(h.now).After(s.expires) {
			writeErr(w, http.StatusUnauthorized, "Your portal session has ended. Open the link from your email again, or ask for a new one.")
			return
		}
		if r.Method != http.MethodGet && subtle.ConstantTimeCompare([]byte(r.Header.Get(CSRFHeader)), []byte(s.csrf)) != 1 {
			writeErr(w, http.StatusForbidden, "This request did not come from the portal page. Reload it and try again.")
			return
		}
		next(w, r, s)
	}
}

func (h *Handler) sessionInfo(w http.ResponseWriter, r *http.Request, s session) {
	writeJSON(w, http.StatusOK, map[string]string{"csrf": s.csrf})
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request, s session) {
	list, err := h.svc.PortalConnections(r.Context(), s.clientID)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, domain.Public(err).Message)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (h *Handler) refresh(w http.ResponseWriter, r *http.Request, s session) {
	c, err := h.svc.PortalRefresh(r.Context(), s.clientID, r.PathValue("id"))
	if err != nil {
		writeServiceErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"connection": c, "message": "Connection refreshed."})
}

func (h *Handler) reconnect(w http.ResponseWriter, r *http.Request, s session) {
	st, err := h.svc.PortalReconnect(r.Context(), s.clientID, r.PathValue("id"))
	if err != nil {
		writeServiceErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"consentId": st.ID, "authUrl": st.AuthURL})
}

func (h *Handler) consent(w http.ResponseWriter, r *http.Request, s session) {
	st, err := h.svc.PortalConsent(r.Context(), s.clientID, r.PathValue("id"))
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
