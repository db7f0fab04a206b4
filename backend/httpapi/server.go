// Package httpapi is the HTTP transport of the service layer for
// `patchbay serve`: the built frontend, the same service methods as JSON RPC
// (POST /api/rpc/{Method}), and live events as server-sent events
// (GET /api/events). It binds to loopback by default and guards every API
// call with a per-start token, a Host check against DNS rebinding, an Origin
// and custom-header check against cross-site requests, and a strict CSP.
package httpapi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"patchbay/backend/domain"
	"patchbay/backend/portal"
	"patchbay/backend/service"
	"patchbay/backend/serving"
)

// CookieName is the session cookie set after the token in the start URL is
// accepted.
const CookieName = "patchbay_session"

// CSRFHeader must be present (value "1") on every state-changing API call; a
// cross-site form or image cannot set it.
const CSRFHeader = "X-Patchbay"

const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Server serves the app over HTTP.
type Server struct {
	svc     *service.Service
	routes  map[string]route
	assets  fs.FS
	token   string
	session string
	hosts   map[string]bool
	log     *slog.Logger
	// portalOnly serves nothing but the client portal (NewPortal).
	portalOnly bool
	anyHost    bool
	// portalLimiter, when set, replaces the portal's per-address limiter.
	portalLimiter func() *rate.Limiter
}

// New returns a server for svc with the built frontend in assets (the
// directory holding index.html). addr is the address the listener is bound
// to; requests naming any other Host are refused.
func New(svc *service.Service, assets fs.FS, addr net.Addr, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{svc: svc, routes: routes(svc), assets: assets, token: randomHex(24), session: randomHex(32), log: log}
	s.hosts = allowedHosts(addr)
	return s
}

// Token is the per-start secret that must appear in the URL the user opens.
func (s *Server) Token() string { return s.token }

// allowedHosts lists the Host header values the server answers: the bound
// address, and localhost when bound to loopback.
func allowedHosts(addr net.Addr) map[string]bool {
	hosts := map[string]bool{}
	if addr == nil {
		return hosts
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return hosts
	}
	hosts[net.JoinHostPort(host, port)] = true
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		hosts["localhost:"+port] = true
		hosts["127.0.0.1:"+port] = true
		hosts["[::1]:"+port] = true
	}
	return hosts
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	if s.portalOnly {
		s.portal().Register(mux)
		mux.HandleFunc("/portal/", s.handleApp)
		mux.HandleFunc("/assets/", s.handleApp)
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Only the client portal is served here. Open the link you were sent.", http.StatusNotFound)
		})
		return s.secure(mux)
	}
	mux.HandleFunc("POST /api/rpc/{method}", s.requireSession(s.handleRPC))
	mux.HandleFunc("GET /api/events", s.requireSession(s.handleEvents))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &domain.Error{Code: domain.ENotFound, Message: "No such API endpoint."})
	})
	s.portal().Register(mux)
	mux.HandleFunc("/", s.handleApp)
	return s.secure(mux)
}

func (s *Server) portal() *portal.Handler {
	p := portal.New(s.svc, s.svc.Clock())
	p.NewLimiter = s.portalLimiter
	return p
}

// secure adds the security headers and the Host check to every response.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !s.anyHost && !s.hosts[r.Host] && !(isPortalPath(r.URL.Path) && s.portalHost(r)) {
			http.Error(w, "Patchbay refuses requests for host "+r.Host+". Open the URL that `patchbay serve` printed.", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// portalHost reports whether r's Host header names the portal's public
// address from Settings (a tunnel to this server).
func (s *Server) portalHost(r *http.Request) bool {
	host, port := hostPort(r.Host)
	return host != "" && s.svc.PortalHostAllowed(r.Context(), host, port)
}

// hostPort splits a Host header into its host name or IP address (without
// IPv6 brackets) and its port ("" when it names none).
func hostPort(h string) (host, port string) {
	if name, p, err := net.SplitHostPort(h); err == nil {
		return name, p
	}
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"), ""
}

// isPortalPath reports whether a path belongs to the client portal (its
// pages, API, OAuth callback and the built assets the page loads).
func isPortalPath(p string) bool {
	return strings.HasPrefix(p, "/portal/") || strings.HasPrefix(p, "/assets/")
}

// NewPortal returns a server for the client portal alone, for the portal
// address of Settings: /portal/ and the assets its page loads; the
// operator's pages and API are not served there. When the address is a
// wildcard (every network), any Host is answered: clients reach it by the
// machine's LAN name or a tunnel, and the portal needs a signed link anyway.
func NewPortal(svc *service.Service, assets fs.FS, addr net.Addr, log *slog.Logger) *Server {
	s := New(svc, assets, addr, log)
	s.portalOnly = true
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		s.anyHost = true
	}
	return s
}

// requireSession admits API calls that carry the session cookie or the
// bearer token, come from this origin, and (for POST) carry CSRFHeader.
func (s *Server) requireSession(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.authenticated(r) {
			writeError(w, &domain.Error{Code: domain.EUnauthorized, Message: "This Patchbay session has expired. Open the URL that `patchbay serve` printed again."})
			return
		}
		if o := r.Header.Get("Origin"); o != "" && !s.sameOrigin(o) {
			writeError(w, &domain.Error{Code: domain.EUnauthorized, Message: "Cross-origin requests are not allowed."})
			return
		}
		if r.Method != http.MethodGet && r.Header.Get(CSRFHeader) != "1" {
			writeError(w, &domain.Error{Code: domain.EUnauthorized, Message: "Missing the " + CSRFHeader + " header."})
			return
		}
		next(w, r)
	}
}

func (s *Server) authenticated(r *http.Request) bool {
	if c, err := r.Cookie(CookieName); err == nil && equal(c.Value, s.session) {
		return true
	}
	if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && equal(b, s.token) {
		return true
	}
	return false
}

func (s *Server) sameOrigin(origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && s.hosts[u.Host]
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// PortalPage is the page served for the client portal's paths: index.html
// without the operator's header and navigation (frontend/vite.config.ts).
const PortalPage = "portal.html"

// handleApp serves the built frontend. The start URL's ?token= is exchanged
// for an HttpOnly session cookie and stripped from the address bar; unknown
// paths get index.html so deep links work on reload.
func (s *Server) handleApp(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if tok := r.URL.Query().Get("token"); tok != "" && !s.portalOnly {
		if !equal(tok, s.token) {
			http.Error(w, "This link's token is not valid for this Patchbay session. Open the URL that `patchbay serve` printed.", http.StatusUnauthorized)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: CookieName, Value: s.session, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		q := r.URL.Query()
		q.Del("token")
		target := CleanRedirect(r.URL.Path)
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	clean := path.Clean(r.URL.Path)
	name := strings.TrimPrefix(clean, "/")
	if st, err := fs.Stat(s.assets, name); name == "" || err != nil || st.IsDir() {
		name = "index.html"
		if clean == "/portal" || strings.HasPrefix(clean, "/portal/") {
			name = PortalPage // a client never sees the operator's shell
		}
	}
	if name == "index.html" || name == PortalPage {
		w.Header().Set("Cache-Control", "no-store")
	}
	http.ServeFileFS(w, r, s.assets, name)
}

func (s *Server) handleRPC(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	fn, ok := s.routes[method]
	if !ok {
		writeError(w, domain.Errorf(domain.ENotFound, "Unknown method %q.", method))
		return
	}
	var args []json.RawMessage
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil && len(strings.TrimSpace(string(body))) > 0 {
		err = json.Unmarshal(body, &args)
	}
	if err != nil {
		writeError(w, domain.Errorf(domain.EInvalid, "The request body must be a JSON array of arguments."))
		return
	}
	out, err := fn.call(r.Context(), args)
	if err != nil {
		if domain.ErrorCode(err) == domain.EInternal {
			s.log.Error("rpc failed", "method", method, "err", err)
		}
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleEvents streams bus events as server-sent events until the client
// goes away.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, errors.New("streaming unsupported"))
		return
	}
	// The stream outlives the server's read and write timeouts.
	if err := serving.Stream(w); err != nil {
		writeError(w, fmt.Errorf("event stream: %w", err))
		return
	}
	ch, stop := s.svc.Bus().Subscribe()
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, ": connected\n\n")
	flusher.Flush()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ping.C:
			_, _ = io.WriteString(w, ": ping\n\n")
		case ev, ok := <-ch:
			if !ok {
				return
			}
			data, err := json.Marshal(ev.Payload)
			if err != nil {
				s.log.Error("encode event", "topic", ev.Topic, "err", err)
				continue
			}
			_, _ = io.WriteString(w, "event: "+ev.Topic+"\ndata: "+string(data)+"\n\n")
		}
		flusher.Flush()
	}
}

// writeJSON writes v as JSON. JSON a method built itself (json.RawMessage,
// such as the list of 10,000 connections) goes out as it is: the encoder
// would check and compact it again.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if raw, ok := v.(json.RawMessage); ok && raw != nil {
		_, _ = w.Write(append(raw, '\n'))
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	e := domain.Public(err)
	writeJSON(w, statusFor(e.Code), map[string]*domain.Error{"error": e})
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// CleanRedirect makes a request path safe to redirect to on this origin:
// backslashes (which browsers treat as slashes) become slashes, the path
// is cleaned, and it never starts with "//" (another host).
func CleanRedirect(p string) string {
	p = path.Clean("/" + strings.ReplaceAll(p, "\\", "/"))
	for strings.HasPrefix(p, "//") {
		p = p[1:]
	}
	return p
}
