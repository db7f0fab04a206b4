package fakes

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/oauth1"
)

// The fake GitHub App: its ID, one installation, and the private key GitHub
// generated for it (fake, valid only against this package's server).
const (
	GitHubAppID          = "123456"
	GitHubInstallationID = "7890123"
	// GitHubSuspendedInstallationID is an installation an organization
	// owner suspended.
	GitHubSuspendedInstallationID = "7890999"
	GitHubAppPrivateKey           = `-----BEGIN RSA PRIVATE KEY-----
MIIEoQIBAAKCAQEAuCudII3oFQgj0i5YIEVxR2l91uvZyb/kD1uHS2QRVDrHyQ45
r03QA0/thQMd1r0TzLnVjfeCT6qwnkttN5q5r6W4yR8PnMXicJvfpzznOI3A7CSv
ttMbq8QXW3IxIcM6Uml8oQNtqqUGJnsNToiYWNnmBqxyQKOMuNc0wfQTjmECV7XY
WsxXluaXCxGZP0rxtHhAEFTypvJx9vtMnTvtG9iWqdCAOe9kxRSqG5k4Nwgzh+ko
MMvGJwYtlZ0egneafK27J5/ty8zycOJcezjSxUFTMssRwVc8dIvzdwvbSw8jBSWM
ltL6/wPZk7q4mlCTi0iqsTo+4q6RdfFDskP0NQIDAQABAoH/CSwi5zwqEuIU5qLo
QLM0sRnP6qRUdHfaI+mrE1YohslmqdzLgq+dbIzOh5FgKxG/qrKWsDtjghQ+N6QK
DHroRJc8XMfvPx+b53/b47hky6xDr38kQTbCaguaHjPRvpy6iuA2FM7W52jQpZn7
T6396G7xxeNQzWdX2tzdA8vkLXMRqDxWe2hGgtmN18JxfP3P4XxicnXj+e7+8q3X
i3uDYsbyXvxOOEaPPPuQrG6fVT9mrTE6eIDIyi8urIr4wHDcxT3easkbWn1C8W/q
RZPfPm6ipd7druWiwUkHrMO2h22fKaGMtpv7w3H0qR1pKYgeZ0WbY93jjPsZgI2j
h2oJAoGBAPJrEGlVzL+R6P5x3Atez43XoTVOW1a/5mShwcb+URqcSwMhEhRpYXyu
A8EF0j2sNX0amnwknehTBCXmWWfJRMolOwuWuB7+twXXpbbZS0DGywXtb1WF6++e
yoBi05RP/64MLICAnoDZhf9R0FHd1RzleXbaLLDyuyOu/vrB0NiNAoGBAMJ9HgE8
T8HQR5S7EbEO997l6s/eLxCfSNh+42MB0I7eHXx7CzB5l1tDZSw4+ECDZJnU2Bw5
ulBrOc5LXugGP5Th6FwQULzzT9ngismYCMzLLW7MxN5KN7g2trUiYq+ExifazKDH
uA5FCwVPjp1oTaolfq4T0LzFY9yMqS4wpARJAoGAboobhay2HHSwRbYtnJGzGv7E
Z8Y/KCOBL0oDTnYRDY1PNzIRSHV1GqFO3OmGoNCx40YKQ6l+x71zGsUa55SDZZns
frBPbPLBCkz3J5WWFweO9Dj8l4bluvIxbLGjwPFpqTer4zzDCgYmb/Iih/Ibh32s
EWITFuzYIMFfS4CtdtECgYEAks1WJKCdozHPlhhOFlOyDXGGeDjBVc6lcaT1hfoM
ropBv4AwxfpBoQWSDHtEB44mFWdvaH66f5EwJOMHVCPDQmHyvesixjzx/QdcOyaj
HdIPDR9LSm7C+C10Y+z8iHe0CslAw+t8pmi/FNckUvQ0C0YaBNO4L4TfB860tMTK
SOECgYBu0VUHIIYwnCFJ3unuJH183TOw7KOEM+C2zk8kB7JxZvEik4GC9BqO4ZRe
LG7M0LfKCyh764jCDaMcm9RIZ3XF2QWaKhQrWHLkG73sZX/y73tAqDHK75n4+BEU
7ryw6fl4m+u7zKaQY7qxGBUfAFU5aruYYmOBsdFnXmliiYkcZw==
-----END RSA PRIVATE KEY-----`
)

// githubApp is the fake GitHub's app side: installation tokens minted from
// an app JWT, each valid one hour on the server's clock.
type githubApp struct {
	mu     sync.Mutex
	tokens map[string]time.Time // installation token -> expiry
	mints  int
	key    *rsa.PublicKey
}

func newGitHubApp() *githubApp {
	k, err := oauth1.ParsePrivateKey(GitHubAppPrivateKey)
	if err != nil {
		panic(err)
	}
	return &githubApp{tokens: map[string]time.Time{}, key: &k.PublicKey}
}

// AppTokenMints returns how many installation tokens the fake GitHub minted.
func (s *Server) AppTokenMints() int {
	s.app.mu.Lock()
	defer s.app.mu.Unlock()
	return s.app.mints
}

// githubError is GitHub's error body (docs.github.com/rest, "Client errors").
func githubError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}

// registerGitHubApp mounts POST /app/installations/{id}/access_tokens and
// GET /installation/repositories under /github.
//
// docs.github.com "Generating a JSON Web Token (JWT) for a GitHub App"
// (RS256, iss = app ID or client ID, iat, exp at most 10 minutes ahead) and
// "Generating an installation access token for a GitHub App" (201 with
// token and expires_at one hour ahead; "Using an expired token produces a
// status code of 401"); REST "Create an installation access token for an
// app" (401, 403 suspended, 404) and "List repositories accessible to the
// app installation" (paginated: per_page, page, Link).
func (s *Server) registerGitHubApp(mux *http.ServeMux) {
	mux.HandleFunc("POST /github/app/installations/{id}/access_tokens", func(w http.ResponseWriter, r *http.Request) {
		s.count(r)
		now := domain.Now(s.Now)
		if msg := s.app.checkJWT(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), now); msg != "" {
			githubError(w, http.StatusUnauthorized, msg)
			return
		}
		switch r.PathValue("id") {
		case GitHubInstallationID:
		case GitHubSuspendedInstallationID:
			githubError(w, http.StatusForbidden, "This installation has been suspended")
			return
		default:
			githubError(w, http.StatusNotFound, "Not Found")
			return
		}
		tok := randToken("ghs_")
		exp := now.Add(time.Hour).UTC().Truncate(time.Second)
		s.app.mu.Lock()
		s.app.tokens[tok] = exp
		s.app.mints++
		s.app.mu.Unlock()
		writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "expires_at": exp.Format(time.RFC3339),
			"permissions": map[string]string{"metadata": "read", "contents": "read", "actions": "read"}, "repository_selection": "selected"})
	})
	mux.HandleFunc("GET /github/installation/repositories", func(w http.ResponseWriter, r *http.Request) {
		s.count(r)
		tok := bearer(r)
		s.app.mu.Lock()
		exp, ok := s.app.tokens[tok]
		s.app.mu.Unlock()
		if !ok || !domain.Now(s.Now).Before(exp) {
			githubError(w, http.StatusUnauthorized, "Bad credentials")
			return
		}
		h := w.Header()
		h.Set("X-RateLimit-Limit", "5000")
		h.Set("X-RateLimit-Remaining", "4999")
		h.Set("X-RateLimit-Reset", strconv.FormatInt(domain.Now(s.Now).Add(time.Hour).Unix(), 10))
		// A page at a time, as GitHub's list endpoints do (githubPage).
		all := s.listed("octo-org/", "octo-org/api", "octo-org/web")
		writeJSON(w, http.StatusOK, map[string]any{"total_count": len(all), "repository_selection": "selected", "repositories": githubRepos(githubPage(w, r, all)...)})
	})
}

// checkJWT verifies an app JWT as GitHub does; it returns GitHub's message
// for a JWT it refuses.
func (a *githubApp) checkJWT(jwt string, now time.Time) string {
	const undecodable = "A JSON web token could not be decoded"
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return undecodable
	}
	enc := base64.RawURLEncoding
	hb, err1 := enc.DecodeString(parts[0])
	cb, err2 := enc.DecodeString(parts[1])
	sig, err3 := enc.DecodeString(parts[2])
	var h struct{ Alg string }
	var c struct {
		Iat, Exp json.Number
		Iss      any
	}
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &h) != nil || json.Unmarshal(cb, &c) != nil || h.Alg != "RS256" {
		return undecodable
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(a.key, crypto.SHA256, sum[:], sig) != nil {
		return undecodable
	}
	iss := ""
	switch v := c.Iss.(type) {
	case string:
		iss = v
	case float64:
		iss = strconv.FormatInt(int64(v), 10)
	}
	if iss != GitHubAppID {
		return "Integration not found"
	}
	iat, err1 := c.Iat.Int64()
	exp, err2 := c.Exp.Int64()
	switch {
	case err1 != nil || iat > now.Add(time.Minute).Unix():
		return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
	case err2 != nil || exp <= now.Unix():
		return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	case exp > now.Add(10*time.Minute).Unix() || exp-iat > int64(11*time.Minute/time.Second):
		return "'Expiration time' claim ('exp') is too far in the future"
	}
	return ""
}

// RevokeAppTokens revokes every installation token before its hour is up
// (GitHub: DELETE /installation/token, or the app was reinstalled).
func (s *Server) RevokeAppTokens() {
	s.app.mu.Lock()
	defer s.app.mu.Unlock()
	s.app.tokens = map[string]time.Time{}
}
