// Package idtoken verifies OpenID Connect ID tokens on the standard
// library: a JWS in compact serialization (RFC 7515) signed with RS256,
// RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 or EdDSA
// (Ed25519; RFC 7518, RFC 8037), with its key from the issuer's JWKS
// (RFC 7517), then the claims of OpenID Connect Core 1.0 section 3.1.3.7:
// iss, aud (and azp), exp, nbf and iat against an injected clock with a
// leeway, sub, and the nonce when one was sent.
//
// Symmetric algorithms (HS256 …) and "none" are never accepted: a token is
// only checked against public keys the issuer publishes, and a key is used
// only with the algorithm family of its type (an RSA key never verifies an
// ES256 or HS256 signature), so a token cannot choose how it is checked.
// Header parameters that point at keys (jku, jwk, x5u, x5c) are ignored;
// a header with "crit" is refused (no extension is understood).
//
// Keys caches each JWKS for a while and fetches it again once when a token
// names a key id it does not hold (the issuer rotated its keys).
package idtoken

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"patchbay/backend/domain"
)

// Errors a verification wraps (errors.Is), besides *FetchError.
var (
	ErrMalformed   = errors.New("malformed ID token")
	ErrAlgorithm   = errors.New("signature algorithm not accepted")
	ErrNoKey       = errors.New("no key of the issuer matches the token")
	ErrSignature   = errors.New("signature does not verify")
	ErrIssuer      = errors.New("wrong issuer")
	ErrAudience    = errors.New("not issued to this client")
	ErrExpired     = errors.New("ID token expired")
	ErrNotYetValid = errors.New("ID token not valid yet")
	ErrNonce       = errors.New("nonce does not match")
	ErrClaims      = errors.New("ID token claims incomplete")
)

// Algorithms lists every algorithm Verify can check, the default of
// Config.Algorithms.
var Algorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// DefaultLeeway is the clock skew allowed for exp, nbf and iat when
// Config.Leeway is zero.
const DefaultLeeway = 5 * time.Minute

// maxToken bounds the size of a token accepted for parsing.
const maxToken = 64 << 10

// Config is what a token must satisfy.
type Config struct {
	// Issuer must equal the iss claim exactly.
	Issuer string
	// ClientID must be in aud, and equal azp when the token has one.
	ClientID string
	// Nonce, when not empty, must equal the nonce claim.
	Nonce string
	// Algorithms the token may be signed with (nil: all of Algorithms;
	// names outside Algorithms are never accepted).
	Algorithms []string
	// SkipTimeChecks skips exp, nbf and iat: for a token kept as proof of
	// who granted access rather than as a fresh login.
	SkipTimeChecks bool
	// Leeway is the clock skew allowed (zero: DefaultLeeway).
	Leeway time.Duration
	// Now is the clock of the time checks and of the JWKS cache (the
	// system clock if nil, through domain.Now).
	Now domain.Clock
	// Client fetches the JWKS (http.DefaultClient if nil).
	Client *http.Client
}

func (c *Config) now() time.Time { return domain.Now(c.Now) }

// Claims are a verified token's claims as JSON decoded them.
type Claims map[string]any

// header is the JOSE header, with what is checked.
type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Crit json.RawMessage `json:"crit"`
}

// Verify checks raw against cfg with the JWKS at jwksURL (from keys'
// cache, fetched when missing or stale) and returns its claims.
func Verify(ctx context.Context, keys *Keys, jwksURL, raw string, cfg Config) (Claims, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" {
		return nil, errors.New("idtoken: the issuer and the client ID are required")
	}
	if len(raw) > maxToken {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, maxToken)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: %d parts, want header.payload.signature", ErrMalformed, len(parts))
	}
	var h header
	if err := decodeJSON(parts[0], &h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	if len(h.Crit) > 0 {
		return nil, fmt.Errorf("%w: critical header extension %s not understood", ErrMalformed, h.Crit)
	}
	algs := cfg.Algorithms
	if algs == nil {
		algs = Algorithms
	}
	if !slices.Contains(Algorithms, h.Alg) || !slices.Contains(algs, h.Alg) {
		return nil, fmt.Errorf("%w: %q", ErrAlgorithm, h.Alg)
	}
	sig, err := b64(parts[2])
	if err != nil || len(sig) == 0 {
		return nil, fmt.Errorf("%w: signature is not base64url", ErrMalformed)
	}
	signed := []byte(parts[0] + "." + parts[1])
	if err := keys.verify(ctx, &cfg, jwksURL, h, signed, sig); err != nil {
		return nil, err
	}
	var claims Claims
	if err := decodeJSON(parts[1], &claims); err != nil || claims == nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object", ErrMalformed)
	}
	if err := checkClaims(claims, cfg); err != nil {
		return nil, err
	}
	return claims, nil
}

// checkClaims applies OpenID Connect Core 1.0 section 3.1.3.7.
func checkClaims(c Claims, cfg Config) error {
	if iss, _ := c["iss"].(string); iss != cfg.Issuer {
		return fmt.Errorf("%w: %q, expected %q", ErrIssuer, iss, cfg.Issuer)
	}
	var aud []string
	switch a := c["aud"].(type) {
	case string:
		aud = []string{a}
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok {
				aud = append(aud, s)
			}
		}
	}
	if !slices.Contains(aud, cfg.ClientID) {
		return fmt.Errorf("%w: audience %q does not include %q", ErrAudience, aud, cfg.ClientID)
	}
	if azp, ok := c["azp"]; ok && azp != cfg.ClientID {
		return fmt.Errorf("%w: authorized party %q, expected %q", ErrAudience, azp, cfg.ClientID)
	}
	if sub, _ := c["sub"].(string); sub == "" {
		return fmt.Errorf("%w: no sub", ErrClaims)
	}
	if cfg.Nonce != "" {
		if n, _ := c["nonce"].(string); n != cfg.Nonce {
			return fmt.Errorf("%w: got %q", ErrNonce, n)
		}
	}
	if cfg.SkipTimeChecks {
		return nil
	}
	t, leeway := cfg.now(), cfg.Leeway
	if leeway == 0 {
		leeway = DefaultLeeway
	}
	exp, ok, err := numericDate(c, "exp")
	if err != nil || !ok {
		return fmt.Errorf("%w: exp missing or not a number", ErrClaims)
	}
	iat, ok, err := numericDate(c, "iat")
	if err != nil || !ok {
		return fmt.Errorf("%w: iat missing or not a number", ErrClaims)
	}
	if !t.Before(exp.Add(leeway)) {
		return fmt.Errorf("%w at %s (now %s)", ErrExpired, exp.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	if t.Add(leeway).Before(iat) {
		return fmt.Errorf("%w: issued at %s, in the future (now %s)", ErrNotYetValid, iat.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	nbf, ok, err := numericDate(c, "nbf")
	if err != nil {
		return fmt.Errorf("%w: nbf is not a number", ErrClaims)
	}
	if ok && t.Add(leeway).Before(nbf) {
		return fmt.Errorf("%w before %s (now %s)", ErrNotYetValid, nbf.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	return nil
}

// numericDate reads a NumericDate claim (seconds since the epoch, RFC 7519).
func numericDate(c Claims, name string) (time.Time, bool, error) {
	v, ok := c[name]
	if !ok {
		return time.Time{}, false, nil
	}
	f, isNum := v.(float64)
	if !isNum || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e11 {
		return time.Time{}, true, fmt.Errorf("%s is not a NumericDate", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// b64 decodes unpadded base64url (RFC 7515 section 2), rejecting padding,
// other alphabets and non-zero trailing bits.
func b64(s string) ([]byte, error) {
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

func decodeJSON(s string, v any) error {
	b, err := b64(s)
	if err != nil {
		return errors.New("not base64url")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	if d.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

// algorithm is how one "alg" is checked.
type algorithm struct {
	kty  string      // the key type it needs: RSA, EC or OKP
	hash crypto.Hash // the digest signed (0 for EdDSA: the message itself)
	pss  bool        // RSASSA-PSS rather than PKCS #1 v1.5
	crv  string      // the curve of an EC or OKP key
}

var algorithms = map[string]algorithm{
	"RS256": {kty: "RSA", hash: crypto.SHA256}, "RS384": {kty: "RSA", hash: crypto.SHA384}, "RS512": {kty: "RSA", hash: crypto.SHA512},
	"PS256": {kty: "RSA", hash: crypto.SHA256, pss: true}, "PS384": {kty: "RSA", hash: crypto.SHA384, pss: true}, "PS512": {kty: "RSA", hash: crypto.SHA512, pss: true},
	"ES256": {kty: "EC", hash: crypto.SHA256, crv: "P-256"}, "ES384": {kty: "EC", hash: crypto.SHA384, crv: "P-384"}, "ES512": {kty: "EC", hash: crypto.SHA512, crv: "P-521"},
	"EdDSA": {kty: "OKP", crv: "Ed25519"},
}

// fits reports whether k may check a signature made with alg.
func (k *key) fits(alg string) bool {
	a := algorithms[alg]
	return k.kty == a.kty && (a.crv == "" || k.crv == a.crv) && (k.alg == "" || k.alg == alg)
}

// check verifies sig over signed with k (which fits alg).
func (k *key) check(alg string, signed, sig []byte) bool {
	a := algorithms[alg]
	var digest []byte
	switch a.hash {
	case crypto.SHA256:
		d := sha256.Sum256(signed)
		digest = d[:]
	case crypto.SHA384:
		d := sha512.Sum384(signed)
		digest = d[:]
	case crypto.SHA512:
		d := sha512.Sum512(signed)
		digest = d[:]
	}
	switch pub := k.pub.(type) {
	case *rsa.PublicKey:
		if a.pss {
			return rsa.VerifyPSS(pub, a.hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		}
		return rsa.VerifyPKCS1v15(pub, a.hash, digest, sig) == nil
	case *ecdsa.PublicKey:
		// JWS carries R and S as two fixed-size big-endian halves
		// (RFC 7518 section 3.4), not ASN.1.
		n := (pub.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*n {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
		return ecdsa.Verify(pub, digest, r, s)
	case ed25519.PublicKey:
		return ed25519.Verify(pub, signed, sig)
	}
	return false
}

// curves maps a JWK "crv" of kty EC to its curve.
var curves = map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}
