package fakes

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"patchbay/backend/oauth1"
)

// OAuth1ConsumerKey is the consumer key of the fake Jira Data Center's
// application link (OAuth 1.0a, RSA-SHA1).
const OAuth1ConsumerKey = "patchbay-demo-consumer"

var (
	oauth1KeyOnce sync.Once
	oauth1Key     *rsa.PrivateKey
)

// OAuth1PrivateKey returns the demo consumer's RSA key (made once per process).
func OAuth1PrivateKey() *rsa.PrivateKey {
	oauth1KeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		oauth1Key = k
	})
	return oauth1Key
}

// OAuth1PrivateKeyPEM is the demo consumer's private key as the user pastes it.
func OAuth1PrivateKeyPEM() string {
	der, _ := x509.MarshalPKCS8PrivateKey(OAuth1PrivateKey())
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// oauth1Server is the legacy application-link OAuth 1.0a provider of the
// fake Jira Data Center under /jiradc/plugins/servlet/oauth/.
type oauth1Server struct {
	mu       sync.Mutex
	request  map[string]string // request token -> verifier ("" until allowed)
	access   map[string]bool   // access token -> valid
	accessed int               // access tokens issued
}

func newOAuth1() *oauth1Server {
	return &oauth1Server{request: map[string]string{}, access: map[string]bool{}}
}

func randHex(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// verify checks the request's signature; it answers 401 with an
// oauth_problem when it is wrong.
func (o *oauth1Server) verify(w http.ResponseWriter, r *http.Request) (map[string]string, bool) {
	p, err := oauth1.Verify(r, &OAuth1PrivateKey().PublicKey)
	switch {
	case err != nil:
		http.Error(w, "oauth_problem=signature_invalid", http.StatusUnauthorized)
		return nil, false
	case p["oauth_consumer_key"] != OAuth1ConsumerKey:
		http.Error(w, "oauth_problem=consumer_key_unknown", http.StatusUnauthorized)
		return nil, false
	}
	return p, true
}

func (o *oauth1Server) register(mux *http.ServeMux) {
	const base = "/jiradc/plugins/servlet/oauth"
	mux.HandleFunc("POST "+base+"/request-token", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := o.verify(w, r); !ok {
			return
		}
		tok := randHex("req-")
		o.mu.Lock()
		o.request[tok] = ""
		o.mu.Unlock()
		fmt.Fprintf(w, "oauth_token=%s&oauth_token_secret=%s&oauth_callback_confirmed=true", tok, randHex(""))
	})
	mux.HandleFunc("GET "+base+"/authorize", func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("oauth_token")
		o.mu.Lock()
		_, known := o.request[tok]
		o.mu.Unlock()
		if !known {
			http.Error(w, "Unknown or used request token. Generate a new URL in Patchbay.", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Jira: Allow access</title><h1>Patchbay would like to access your Jira data</h1>
<form method="post" action="%s/authorize"><input type="hidden" name="oauth_token" value="%s">
<button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Deny</button></form>`, base, html.EscapeString(tok))
	})
	mux.HandleFunc("POST "+base+"/authorize", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		tok := r.Form.Get("oauth_token")
		o.mu.Lock()
		_, known := o.request[tok]
		verifier := ""
		if known && r.Form.Get("decision") == "allow" {
			verifier = randHex("")[:8]
			o.request[tok] = verifier
		}
		o.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch {
		case !known:
			http.Error(w, "Unknown request token.", http.StatusBadRequest)
		case verifier == "":
			fmt.Fprint(w, `<!doctype html><title>Jira: Access denied</title><h1>Access denied</h1><p>You denied access to Patchbay.</p>`)
		default:
			fmt.Fprintf(w, `<!doctype html><title>Jira: Access approved</title><h1>Access Approved</h1>
<p>Copy this verification code into Patchbay: <code id="verifier">%s</code></p>`, verifier)
		}
	})
	mux.HandleFunc("POST "+base+"/access-token", func(w http.ResponseWriter, r *http.Request) {
		p, ok := o.verify(w, r)
		if !ok {
			return
		}
		o.mu.Lock()
		defer o.mu.Unlock()
		want, known := o.request[p["oauth_token"]]
		switch {
		case !known:
			http.Error(w, "oauth_problem=token_rejected", http.StatusUnauthorized)
			return
		case want == "" || p["oauth_verifier"] != want:
			http.Error(w, "oauth_problem=permission_unknown", http.StatusUnauthorized)
			return
		}
		delete(o.request, p["oauth_token"]) // single use
		tok := randHex("acc-")
		o.access[tok] = true
		o.accessed++
		fmt.Fprintf(w, "oauth_token=%s&oauth_token_secret=%s&oauth_expires_in=157680000", tok, randHex(""))
	})
}

// authorized checks a request signed with an OAuth 1.0a access token and
// answers 401 when the signature or the token is bad.
func (o *oauth1Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	p, ok := o.verify(w, r)
	if !ok {
		return false
	}
	o.mu.Lock()
	valid := o.access[p["oauth_token"]]
	o.mu.Unlock()
	if !valid {
		w.Header().Set("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
		http.Error(w, "oauth_problem=token_rejected", http.StatusUnauthorized)
		return false
	}
	return true
}

// RevokeOAuth1 revokes every OAuth 1.0a access token (the admin removed the link).
func (s *Server) RevokeOAuth1() {
	s.oauth1.mu.Lock()
	defer s.oauth1.mu.Unlock()
	for k := range s.oauth1.access {
		s.oauth1.access[k] = false
	}
}

// AllowOAuth1 plays the user on the fake's authorize page: it allows access
// and returns the verification code the "Access Approved" page shows.
func AllowOAuth1(authorizeURL string) (string, error) {
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return "", err
	}
	resp, err := http.PostForm(u.Scheme+"://"+u.Host+u.Path, url.Values{"oauth_token": {u.Query().Get("oauth_token")}, "decision": {"allow"}})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	_, after, ok := strings.Cut(page, `<code id="verifier">`)
	if !ok {
		return "", fmt.Errorf("no verification code on the page: %s", page)
	}
	code, _, _ := strings.Cut(after, "</code>")
	return code, nil
}
