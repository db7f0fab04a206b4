package idtoken

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testIssuer = "https://issuer.example.com"
	testClient = "patchbay-client"
)

// testNow is the injected clock's time in every test: tokens are issued
// relative to it, never to the wall clock.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type testKeys struct {
	rsa, rsa2, rsaShort *rsa.PrivateKey
	p256, p384, p521    *ecdsa.PrivateKey
	ed                  ed25519.PrivateKey
}

var genKeys = sync.OnceValue(func() testKeys {
	var k testKeys
	var err error
	must := func(e error) {
		if e != nil {
			panic(e)
		}
	}
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsa2, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsaShort, err = rsa.GenerateKey(rand.Reader, 1024)
	must(err)
	k.p256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	k.p384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	must(err)
	k.p521, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	must(err)
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return k
})

var enc = base64.RawURLEncoding

// jwkOf is the public JWK of priv.
func jwkOf(priv crypto.Signer, kid string, extra map[string]any) map[string]any {
	m := map[string]any{"kid": kid}
	switch pub := priv.Public().(type) {
	case *rsa.PublicKey:
		m["kty"], m["n"], m["e"] = "RSA", enc.EncodeToString(pub.N.Bytes()), enc.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		raw, err := pub.Bytes() // 0x04 || X || Y, each coordinate the curve's size
		if err != nil {
			panic(err)
		}
		n := (len(raw) - 1) / 2
		m["kty"], m["crv"] = "EC", pub.Curve.Params().Name
		m["x"], m["y"] = enc.EncodeToString(raw[1:1+n]), enc.EncodeToString(raw[1+n:])
	case ed25519.PublicKey:
		m["kty"], m["crv"], m["x"] = "OKP", "Ed25519", enc.EncodeToString(pub)
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// sign makes a compact JWS of claims under hdr with key (an HMAC secret
// for HS256; nothing for none).
func sign(t testing.TB, hdr, claims map[string]any, key any) string {
	t.Helper()
	h, _ := json.Marshal(hdr)
	c, _ := json.Marshal(claims)
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	alg, _ := hdr["alg"].(string)
	digest := func(hash crypto.Hash) []byte {
		switch hash {
		case crypto.SHA384:
			d := sha512.Sum384([]byte(input))
			return d[:]
		case crypto.SHA512:
			d := sha512.Sum512([]byte(input))
			return d[:]
		}
		d := sha256.Sum256([]byte(input))
		return d[:]
	}
	hashOf := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}
	var sig []byte
	var err error
	switch k := key.(type) {
	case *rsa.PrivateKey:
		hash := hashOf[alg[2:]]
		if strings.HasPrefix(alg, "PS") {
			sig, err = rsa.SignPSS(rand.Reader, k, hash, digest(hash), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, err = rsa.SignPKCS1v15(rand.Reader, k, hash, digest(hash))
		}
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, k, digest(hashOf[alg[2:]]))
		n := (k.Curve.Params().BitSize + 7) / 8
		if err == nil {
			sig = append(r.FillBytes(make([]byte, n)), s.FillBytes(make([]byte, n))...)
		}
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, []byte(input))
	case []byte: // HS256
		m := hmac.New(sha256.New, k)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	case nil:
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + enc.EncodeToString(sig)
}

// claims are valid claims at testNow, with changes.
func claims(changes map[string]any) map[string]any {
	c := map[string]any{"iss": testIssuer, "aud": testClient, "sub": "user-1", "email": "u@example.com",
		"iat": testNow.Add(-time.Minute).Unix(), "exp": testNow.Add(time.Hour).Unix()}
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// jwksServer serves a JWKS that tests can replace, and counts fetches.
type jwksServer struct {
	*httptest.Server
	doc     atomic.Pointer[[]byte]
	status  atomic.Int32
	fetches atomic.Int32
}

func newJWKS(t *testing.T, keys ...map[string]any) *jwksServer {
	s := &jwksServer{}
	s.set(keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		if st := s.status.Load(); st != 0 {
			w.WriteHeader(int(st))
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(*s.doc.Load())
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(keys ...map[string]any) {
	b, _ := json.Marshal(map[string]any{"keys": keys})
	s.doc.Store(&b)
}

// clock is the injected clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func config(clk *clock) Config {
	return Config{Issuer: testIssuer, ClientID: testClient, Now: clk.now}
}

func TestVerify(t *testing.T) {
	k := genKeys()
	srv := newJWKS(t,
		jwkOf(k.rsa, "rsa", map[string]any{"use": "sig"}), jwkOf(k.rsaShort, "short", nil),
		jwkOf(k.p256, "p256", nil), jwkOf(k.p384, "p384", nil), jwkOf(k.p521, "p521", nil), jwkOf(k.ed, "ed", nil),
		jwkOf(k.rsa2, "rsa2-enc", map[string]any{"use": "enc"}), jwkOf(k.rsa2, "rsa2-ps", map[string]any{"alg": "PS256"}),
		map[string]any{"kty": "oct", "kid": "hmac", "k": enc.EncodeToString([]byte("shared-secret-0123456789abcdef"))},
		// P-256 with y off the curve: never used.
		map[string]any{"kty": "EC", "kid": "offcurve", "crv": "P-256", "x": jwkOf(k.p256, "", nil)["x"], "y": enc.EncodeToString(make([]byte, 32))},
	)
	pubPEM := func() []byte {
		der, _ := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}()
	hdr := func(alg, kid string) map[string]any {
		h := map[string]any{"alg": alg, "typ": "JWT"}
		if kid != "" {
			h["kid"] = kid
		}
		return h
	}
	good := sign(t, hdr("RS256", "rsa"), claims(nil), k.rsa)
	parts := strings.Split(good, ".")
	flipped := []byte(parts[2]) // one base64url character changed to another
	flipped[5] = 'A'
	if parts[2][5] == 'A' {
		flipped[5] = 'B'
	}
	otherPayload := enc.EncodeToString([]byte(`{"iss":"` + testIssuer + `","aud":"` + testClient + `","sub":"admin","iat":0,"exp":9999999999}`))

	for _, tt := range []struct {
		name  string
		token string
		cfg   func(*Config)
		want  error // nil: verifies
	}{
		{name: "RS256", token: good},
		{name: "RS384", token: sign(t, hdr("RS384", "rsa"), claims(nil), k.rsa)},
		{name: "RS512", token: sign(t, hdr("RS512", "rsa"), claims(nil), k.rsa)},
		{name: "PS256", token: sign(t, hdr("PS256", "rsa"), claims(nil), k.rsa)},
		{name: "PS256 with a key whose JWK names PS256", token: sign(t, hdr("PS256", "rsa2-ps"), claims(nil), k.rsa2)},
		{name: "ES256", token: sign(t, hdr("ES256", "p256"), claims(nil), k.p256)},
		{name: "ES384", token: sign(t, hdr("ES384", "p384"), claims(nil), k.p384)},
		{name: "ES512", token: sign(t, hdr("ES512", "p521"), claims(nil), k.p521)},
		{name: "EdDSA", token: sign(t, hdr("EdDSA", "ed"), claims(nil), k.ed)},
		{name: "no kid: every fitting key is tried", token: sign(t, hdr("ES256", ""), claims(nil), k.p256)},
		{name: "aud as an array with the client", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"aud": []string{"other", testClient}, "azp": testClient}), k.rsa)},
		{name: "nonce that matches", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"nonce": "n-123"}), k.rsa), cfg: func(c *Config) { c.Nonce = "n-123" }},
		{name: "expired less than the leeway ago", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"exp": testNow.Add(-4 * time.Minute).Unix()}), k.rsa)},
		{name: "expired, time checks skipped", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"exp": testNow.Add(-48 * time.Hour).Unix(), "iat": testNow.Add(-49 * time.Hour).Unix()}), k.rsa), cfg: func(c *Config) { c.SkipTimeChecks = true }},

		{name: "bad signature", token: parts[0] + "." + parts[1] + "." + string(flipped), want: ErrSignature},
		{name: "payload swapped under a valid signature", token: parts[0] + "." + otherPayload + "." + parts[2], want: ErrSignature},
		{name: "signed by a key the issuer does not publish", token: sign(t, hdr("RS256", "rsa"), claims(nil), k.rsa2), want: ErrSignature},
		{name: "ES256 signature in ASN.1, not R||S", token: func() string {
			tok := sign(t, hdr("ES256", "p256"), claims(nil), k.p256)
			i := strings.LastIndex(tok, ".")
			d := sha256.Sum256([]byte(tok[:i]))
			asn1, _ := ecdsa.SignASN1(rand.Reader, k.p256, d[:])
			return tok[:i+1] + enc.EncodeToString(asn1)
		}(), want: ErrSignature},
		{name: "alg none without signature", token: sign(t, hdr("none", ""), claims(nil), nil), want: ErrAlgorithm},
		{name: "alg none with a signature", token: strings.Join([]string{enc.EncodeToString([]byte(`{"alg":"none"}`)), parts[1], parts[2]}, "."), want: ErrAlgorithm},
		{name: "alg None", token: sign(t, hdr("None", "rsa"), claims(nil), nil), want: ErrAlgorithm},
		{name: "HS256 with the RSA public key (PEM) as secret", token: sign(t, hdr("HS256", "rsa"), claims(nil), pubPEM), want: ErrAlgorithm},
		{name: "HS256 with the RSA modulus as secret", token: sign(t, hdr("HS256", "rsa"), claims(nil), k.rsa.N.Bytes()), want: ErrAlgorithm},
		{name: "HS256 even when the config lists it", token: sign(t, hdr("HS256", "hmac"), claims(nil), []byte("shared-secret-0123456789abcdef")), cfg: func(c *Config) { c.Algorithms = []string{"HS256", "RS256"} }, want: ErrAlgorithm},
		{name: "alg the config does not allow", token: sign(t, hdr("ES256", "p256"), claims(nil), k.p256), cfg: func(c *Config) { c.Algorithms = []string{"RS256"} }, want: ErrAlgorithm},
		{name: "ES256 header on an RSA key id", token: sign(t, hdr("ES256", "rsa"), claims(nil), k.p256), want: ErrNoKey},
		{name: "RS256 header on an EC key id", token: sign(t, hdr("RS256", "p256"), claims(nil), k.rsa), want: ErrNoKey},
		{name: "ES384 claimed with a P-256 key", token: sign(t, hdr("ES384", "p256"), claims(nil), k.p256), want: ErrNoKey},
		{name: "RS256 on a key whose JWK names PS256", token: sign(t, hdr("RS256", "rsa2-ps"), claims(nil), k.rsa2), want: ErrNoKey},
		{name: "key published for encryption only", token: sign(t, hdr("RS256", "rsa2-enc"), claims(nil), k.rsa2), want: ErrNoKey},
		{name: "RSA key under 2048 bits", token: sign(t, hdr("RS256", "short"), claims(nil), k.rsaShort), want: ErrNoKey},
		{name: "EC key off its curve", token: sign(t, hdr("ES256", "offcurve"), claims(nil), k.p256), want: ErrNoKey},
		{name: "critical header extension", token: sign(t, map[string]any{"alg": "RS256", "kid": "rsa", "crit": []string{"b64"}, "b64": false}, claims(nil), k.rsa), want: ErrMalformed},
		{name: "two parts", token: parts[0] + "." + parts[1], want: ErrMalformed},
		{name: "padded base64", token: parts[0] + "=." + parts[1] + "." + parts[2], want: ErrMalformed},
		{name: "payload not an object", token: sign(t, hdr("RS256", "rsa"), nil, k.rsa), want: ErrMalformed},

		{name: "wrong issuer", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"iss": "https://evil.example.com"}), k.rsa), want: ErrIssuer},
		{name: "issuer with a trailing slash", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"iss": testIssuer + "/"}), k.rsa), want: ErrIssuer},
		{name: "no issuer", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"iss": nil}), k.rsa), want: ErrIssuer},
		{name: "wrong audience", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"aud": "another-client"}), k.rsa), want: ErrAudience},
		{name: "audience array without the client", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"aud": []string{"a", "b"}}), k.rsa), want: ErrAudience},
		{name: "authorized party another client", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"aud": []string{testClient, "b"}, "azp": "b"}), k.rsa), want: ErrAudience},
		{name: "expired", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"exp": testNow.Add(-10 * time.Minute).Unix()}), k.rsa), want: ErrExpired},
		{name: "expired with a custom leeway", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"exp": testNow.Add(-2 * time.Minute).Unix()}), k.rsa), cfg: func(c *Config) { c.Leeway = time.Minute }, want: ErrExpired},
		{name: "no exp", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"exp": nil}), k.rsa), want: ErrClaims},
		{name: "exp a string", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"exp": "tomorrow"}), k.rsa), want: ErrClaims},
		{name: "not before is later", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"nbf": testNow.Add(10 * time.Minute).Unix()}), k.rsa), want: ErrNotYetValid},
		{name: "issued in the future", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"iat": testNow.Add(10 * time.Minute).Unix()}), k.rsa), want: ErrNotYetValid},
		{name: "nonce mismatch", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"nonce": "other"}), k.rsa), cfg: func(c *Config) { c.Nonce = "n-123" }, want: ErrNonce},
		{name: "nonce missing", token: good, cfg: func(c *Config) { c.Nonce = "n-123" }, want: ErrNonce},
		{name: "no subject", token: sign(t, hdr("RS256", "rsa"), claims(map[string]any{"sub": nil}), k.rsa), want: ErrClaims},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := &clock{t: testNow}
			cfg := config(clk)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			keys := &Keys{}
			got, err := Verify(context.Background(), keys, srv.URL, tt.token, cfg)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("want verified, got %v", err)
				}
				if got["sub"] != "user-1" || got["email"] != "u@example.com" {
					t.Fatalf("claims %v", got)
				}
				return
			}
			if !errors.Is(err, tt.want) || got != nil {
				t.Fatalf("want %v, got %v (claims %v)", tt.want, err, got)
			}
		})
	}
}

// TestKeyRotation: the JWKS is cached (no fetch per token); a token with a
// key id the cache lacks fetches it again, once; an unknown key id fails
// after exactly that one fetch; the cache expires after the TTL on the
// injected clock.
func TestKeyRotation(t *testing.T) {
	k := genKeys()
	srv := newJWKS(t, jwkOf(k.rsa, "old", nil))
	clk := &clock{t: testNow}
	keys := &Keys{TTL: time.Hour}
	ctx := context.Background()
	verify := func(tok string) error {
		_, err := Verify(ctx, keys, srv.URL, tok, config(clk))
		return err
	}
	old := sign(t, map[string]any{"alg": "RS256", "kid": "old"}, claims(nil), k.rsa)
	for range 3 {
		if err := verify(old); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("3 tokens, one key: want 1 JWKS fetch, got %d", n)
	}

	// The issuer rotates: the new key signs, the old one is still listed.
	srv.set(jwkOf(k.rsa2, "new", nil), jwkOf(k.rsa, "old", nil))
	if err := verify(sign(t, map[string]any{"alg": "RS256", "kid": "new"}, claims(nil), k.rsa2)); err != nil {
		t.Fatalf("token with the rotated key: %v", err)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("unknown kid: want exactly one more fetch (2), got %d", n)
	}

	// A key id the issuer never published: one fetch, then ErrNoKey.
	err := verify(sign(t, map[string]any{"alg": "RS256", "kid": "ghost"}, claims(nil), k.rsa2))
	if !errors.Is(err, ErrNoKey) {
		t.Fatalf("unknown kid: want ErrNoKey, got %v", err)
	}
	if n := srv.fetches.Load(); n != 3 {
		t.Fatalf("unknown kid: want one refetch (3 fetches), got %d", n)
	}

	// No kid, signed by a key the cached JWKS lacks: one refetch too.
	third, _ := rsa.GenerateKey(rand.Reader, 2048)
	srv.set(jwkOf(third, "third", nil))
	if err := verify(sign(t, map[string]any{"alg": "RS256"}, claims(nil), third)); err != nil {
		t.Fatalf("no kid after a rotation: %v", err)
	}
	if n := srv.fetches.Load(); n != 4 {
		t.Fatalf("no kid: want one refetch (4 fetches), got %d", n)
	}

	// A bad signature on a known kid does not refetch.
	bad := sign(t, map[string]any{"alg": "RS256", "kid": "third"}, claims(nil), k.rsa)
	if err := verify(bad); !errors.Is(err, ErrSignature) {
		t.Fatalf("bad signature: %v", err)
	}
	if n := srv.fetches.Load(); n != 4 {
		t.Fatalf("bad signature on a known key: want no fetch, got %d fetches", n)
	}

	// Past the TTL the JWKS is fetched again.
	clk.advance(time.Hour)
	if err := verify(sign(t, map[string]any{"alg": "RS256", "kid": "third"}, claims(map[string]any{"iat": clk.now().Unix(), "exp": clk.now().Add(time.Hour).Unix()}), third)); err != nil {
		t.Fatal(err)
	}
	if n := srv.fetches.Load(); n != 5 {
		t.Fatalf("after the TTL: want 5 fetches, got %d", n)
	}
}

// TestColdCacheUnknownKid: a first token with an unknown key id fetches
// the JWKS once, not twice.
func TestColdCacheUnknownKid(t *testing.T) {
	k := genKeys()
	srv := newJWKS(t, jwkOf(k.rsa, "a", nil))
	clk := &clock{t: testNow}
	_, err := Verify(context.Background(), &Keys{}, srv.URL, sign(t, map[string]any{"alg": "RS256", "kid": "b"}, claims(nil), k.rsa), config(clk))
	if !errors.Is(err, ErrNoKey) || srv.fetches.Load() != 1 {
		t.Fatalf("want ErrNoKey after 1 fetch, got %v after %d", err, srv.fetches.Load())
	}
}

// TestConcurrentShareFetch: 20 concurrent verifications on a cold cache
// fetch the JWKS once.
func TestConcurrentShareFetch(t *testing.T) {
	k := genKeys()
	srv := newJWKS(t, jwkOf(k.ed, "ed", nil))
	clk := &clock{t: testNow}
	keys := &Keys{}
	tok := sign(t, map[string]any{"alg": "EdDSA", "kid": "ed"}, claims(nil), k.ed)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := Verify(context.Background(), keys, srv.URL, tok, config(clk))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("want 1 fetch, got %d", n)
	}
}

// TestFetchErrors: a JWKS that answers an error status or cannot be
// reached is a *FetchError (the caller tells a network failure from a bad
// token), and a failed fetch is not cached.
func TestFetchErrors(t *testing.T) {
	k := genKeys()
	srv := newJWKS(t, jwkOf(k.rsa, "rsa", nil))
	clk := &clock{t: testNow}
	keys := &Keys{}
	tok := sign(t, map[string]any{"alg": "RS256", "kid": "rsa"}, claims(nil), k.rsa)
	srv.status.Store(http.StatusServiceUnavailable)
	_, err := Verify(context.Background(), keys, srv.URL, tok, config(clk))
	var fe *FetchError
	if !errors.As(err, &fe) || fe.Status != http.StatusServiceUnavailable {
		t.Fatalf("want FetchError 503, got %v", err)
	}
	srv.status.Store(0)
	if _, err := Verify(context.Background(), keys, srv.URL, tok, config(clk)); err != nil {
		t.Fatalf("after the JWKS recovered: %v", err)
	}

	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	_, err = Verify(context.Background(), keys, url, tok, config(clk))
	if !errors.As(err, &fe) || fe.Status != 0 || fe.Err == nil {
		t.Fatalf("want a transport FetchError, got %v", err)
	}

	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) }))
	defer notJSON.Close()
	if _, err = Verify(context.Background(), keys, notJSON.URL, tok, config(clk)); !errors.As(err, &fe) {
		t.Fatalf("want a FetchError for a non-JSON JWKS, got %v", err)
	}
}

// TestConfigRequired: no issuer or client ID is a programming error, not a
// verified token.
func TestConfigRequired(t *testing.T) {
	for _, cfg := range []Config{{ClientID: testClient}, {Issuer: testIssuer}} {
		if _, err := Verify(context.Background(), &Keys{}, "http://127.0.0.1:1/jwks", "a.b.c", cfg); err == nil {
			t.Fatalf("%+v: want an error", cfg)
		}
	}
}
