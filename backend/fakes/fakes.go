// Package fakes runs in-process fake provider APIs that reproduce the
// documented answers of the real ones (success with identity and rate-limit
// headers, 401, 403, 429 with Retry-After, 5xx, hung servers). Tests use them
// through httptest; --demo serves them on loopback so a new user can try every
// flow without an account anywhere.
package fakes

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"patchbay/backend/domain"
)

// Demo credentials for the generic API-key fake. They are fake and only work
// against this package's server.
const (
	GenericHeader   = "X-API-Key"
	GenericGoodKey  = "demo-key-valid-0001"
	GenericBadKey   = "demo-key-wrong-9999"
	GenericValidate = "/generic/v1/me"
)

// Server is a set of fake provider APIs behind one HTTP handler. Paths:
//
//	/generic/v1/me        200 for a valid X-API-Key, 401 otherwise
//	/generic/v1/forbidden 403 for a valid key
//	/generic/v1/limited   429 with Retry-After: 30
//	/generic/v1/broken    500
//	/generic/v1/hang      never answers until the client gives up
//	/generic/v1/html      200 with an HTML sign-in page
//	/_fake/keys           POST {"key":…,"valid":bool} to add or revoke a key
//	/_fake/oauth/revoke   POST: the user revokes every OAuth grant
//	/_fake/oauth1/revoke  POST: the Jira admin revokes every OAuth 1.0a token
//
// and one fake per provider of the catalogue under its own prefix (/github,
// /jira, /jiradc, /bitbucket, /ado/{org}, /harness, /gitlab, /sonar and
// /sonar99 for SonarQube 10.x and 9.9 LTS, /slack), the GitHub App token
// endpoint, and the cloud vendors' OAuth endpoints at their real paths
// under /cloud/{host} (dialects.go). Each handler names the vendor document
// it reproduces; testdata/contracts.json holds the published schemas its
// answers are checked against.
type Server struct {
	mu        sync.Mutex
	validKeys map[string]bool
	requests  map[string]int
	used      map[string]int  // GitHub rate budget used per token
	down      map[string]bool // tokens whose provider answers 503
	posts     []string        // messages posted to the fake Slack
	newRepos  []string        // repositories added to the fake GitHub
	moreItems []string        // items added to the other fake lists (AddListItems)
	// HangFor bounds how long /hang holds a request (default 1 minute), so a
	// test server always shuts down.
	HangFor time.Duration
	// Now is the clock behind the times the fake providers send (rate-limit
	// resets, token expiry); a test sets it to the service's clock so both
	// agree on the date. The system clock if nil.
	Now domain.Clock

	// OAuth is the fake OAuth 2.0 authorization server under /oauth/.
	OAuth *OAuthServer
	// oauth1 is the fake Jira Data Center's OAuth 1.0a application link.
	oauth1 *oauth1Server
	// app is the fake GitHub's app side (installation tokens).
	app *githubApp

	http *http.Server
	ln   net.Listener
}

// New returns a fake server (not listening) with the demo keys registered.
func New() *Server {
	s := &Server{
		validKeys: map[string]bool{GenericGoodKey: true},
		requests:  map[string]int{},
		used:      map[string]int{},
		down:      map[string]bool{},
		OAuth:     NewOAuth(),
		oauth1:    newOAuth1(),
		app:       newGitHubApp(),
		HangFor:   time.Minute,
	}
	for _, d := range Demos() {
		for _, v := range d.Secrets {
			for _, tok := range strings.Split(v, "\n") {
				s.validKeys[tok] = true
			}
		}
	}
	return s
}

// Start listens on addr ("" for a random loopback port) and serves in the
// background. It returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("start fake providers on %s: %w", addr, err)
	}
	s.ln = ln
	s.http = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

// Close stops a server started with Start.
func (s *Server) Close() error {
	if s.http == nil {
		return nil
	}
	return s.http.Close()
}

// SetKey makes key valid or revokes it.
func (s *Server) SetKey(key string, valid bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.validKeys[key] = valid
}

// SetDown makes the provider answer 503 (an outage) for key, or recover.
func (s *Server) SetDown(key string, down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[key] = down
}

func (s *Server) isDown(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down[key]
}

// Requests returns how many requests reached path.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func (s *Server) keyValid(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.validKeys[key]
}

// Handler returns the fakes' HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	// /generic/v1 is no vendor: it stands in for a user's own API behind the
	// Generic API key mode, answering with RFC 9110 / RFC 6585 statuses.
	mux.HandleFunc("GET /generic/v1/me", s.generic(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "4999")
		writeJSON(w, http.StatusOK, map[string]any{"name": "Demo service account", "id": 42})
	}))
	mux.HandleFunc("GET /generic/v1/forbidden", s.generic(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "This key may not read accounts"})
	}))
	mux.HandleFunc("GET /generic/v1/limited", func(w http.ResponseWriter, r *http.Request) {
		s.count(r)
		w.Header().Set("Retry-After", "30")
		w.Header().Set("X-RateLimit-Remaining", "0")
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": "API rate limit exceeded"})
	})
	mux.HandleFunc("GET /generic/v1/broken", func(w http.ResponseWriter, r *http.Request) {
		s.count(r)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, "<html><body><h1>500 Internal Server Error</h1></body></html>")
	})
	mux.HandleFunc("GET /generic/v1/hang", func(w http.ResponseWriter, r *http.Request) {
		s.count(r)
		select {
		case <-r.Context().Done():
		case <-time.After(s.HangFor):
		}
	})
	mux.HandleFunc("GET /generic/v1/html", func(w http.ResponseWriter, r *http.Request) {
		s.count(r)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body><form>Sign in</form></body></html>")
	})
	s.OAuth.Register(mux)
	s.oauth1.register(mux)
	mux.HandleFunc("POST /_fake/oauth1/revoke", func(w http.ResponseWriter, r *http.Request) {
		s.RevokeOAuth1()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_fake/oauth/revoke", func(w http.ResponseWriter, r *http.Request) {
		s.OAuth.RevokeAll()
		w.WriteHeader(http.StatusNoContent)
	})
	s.sonar99(mux)
	s.registerGitHubApp(mux)
	s.adoPublic(mux)
	for _, api := range s.providerAPIs() {
		mux.HandleFunc(api.pattern, s.provider(api))
	}
	mux.HandleFunc("POST /_fake/keys", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Key   string `json:"key"`
			Valid bool   `json:"valid"`
			Down  bool   `json:"down"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Key == "" {
			http.Error(w, `want {"key":"…","valid":true|false,"down":true|false}`, http.StatusBadRequest)
			return
		}
		s.SetKey(in.Key, in.Valid)
		s.SetDown(in.Key, in.Down)
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// generic wraps a handler with the generic API's key check.
func (s *Server) generic(ok http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.count(r)
		if !s.keyValid(r.Header.Get(GenericHeader)) {
			w.Header().Set("WWW-Authenticate", `ApiKey realm="demo"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Invalid API key"})
			return
		}
		ok(w, r)
	}
}

func (s *Server) count(r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	s.mu.Unlock()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(mustJSON(v))))
	w.WriteHeader(status)
	_, _ = w.Write(mustJSON(v))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
