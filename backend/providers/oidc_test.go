package providers_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/providers"
)

// TestIDTokenPath: a Generic OpenID connection without userinfo or
// introspection is checked by its ID token (OpenID Connect Core 1.0
// section 3.1.3.7) against a JWKS served here as RFC 7517 section 5 lays
// it out. The token's own expiry is not held against it (it proves who
// granted the access; the access token's freshness is the refresher's);
// a token for another client is refused; a JWKS that cannot be fetched is
// a network or provider problem, not a bad credential; the JWKS is
// fetched once for several checks.
func TestIDTokenPath(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding
	var fetches atomic.Int32
	var status atomic.Int32
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		if s := status.Load(); s != 0 {
			w.WriteHeader(int(s))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]any{{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
			"n": enc.EncodeToString(key.N.Bytes()), "e": enc.EncodeToString(big.NewInt(int64(key.E)).Bytes())}}})
	}))
	defer jwks.Close()
	const issuer, client = "https://login.example.com", "patchbay-client"
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	token := func(aud string, exp time.Time) string {
		h, _ := json.Marshal(map[string]any{"alg": "RS256", "kid": "k1", "typ": "JWT"})
		c, _ := json.Marshal(map[string]any{"iss": issuer, "aud": aud, "sub": "u1", "email": "ada@example.com", "iat": exp.Add(-time.Hour).Unix(), "exp": exp.Unix()})
		in := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
		d := sha256.Sum256([]byte(in))
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
		if err != nil {
			t.Fatal(err)
		}
		return in + "." + enc.EncodeToString(sig)
	}
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, ok := cat.Provider("generic_oauth2")
	if !ok {
		t.Fatal("generic_oauth2 missing")
	}
	m, ok := p.Mode("oauth2")
	if !ok {
		t.Fatal("oauth2 mode missing")
	}
	v := providers.NewValidator()
	v.Now = func() time.Time { return now }
	check := func(idToken, jwksURL string) domain.CheckResult {
		return v.Validate(context.Background(), providers.Target{Provider: p, Mode: m, Values: map[string]string{
			"issuer": issuer, "jwksUrl": jwksURL, "clientId": client, "accessToken": "at", "idToken": idToken}})
	}

	for _, tok := range []string{token(client, now.Add(time.Hour)), token(client, now.Add(-48*time.Hour))} {
		if res := check(tok, jwks.URL); res.Class != domain.ClassOK || res.Identity != "ada@example.com" {
			t.Fatalf("valid ID token: %s %q %q", res.Class, res.Identity, res.Message)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("two checks: want 1 JWKS fetch (cached), got %d", n)
	}
	if res := check(token("someone-else", now.Add(time.Hour)), jwks.URL); res.Class != domain.ClassInvalidCredentials || !strings.Contains(res.Message, "did not verify") {
		t.Fatalf("token for another client: %s %q", res.Class, res.Message)
	}

	// Another JWKS URL (not cached): its failures are not bad credentials.
	other := jwks.URL + "/other"
	status.Store(http.StatusServiceUnavailable)
	if res := check(token(client, now.Add(time.Hour)), other); res.Class != domain.ClassProviderDown {
		t.Fatalf("JWKS 503: %s %q", res.Class, res.Message)
	}
	status.Store(http.StatusNotFound)
	if res := check(token(client, now.Add(time.Hour)), other); res.Class != domain.ClassMisconfigured || !strings.Contains(res.Message, "HTTP 404") {
		t.Fatalf("JWKS 404: %s %q", res.Class, res.Message)
	}
	status.Store(0)
	if res := check(token(client, now.Add(time.Hour)), "http://127.0.0.1:1/jwks"); res.Class != domain.ClassNetwork || !strings.Contains(res.Message, "JWKS") {
		t.Fatalf("JWKS unreachable: %s %q", res.Class, res.Message)
	}
}
