package idtoken

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"sync"
	"time"
)

// DefaultTTL is how long Keys uses a fetched JWKS when Keys.TTL is zero.
const DefaultTTL = 10 * time.Minute

// maxJWKS bounds the size of a JWKS document read.
const maxJWKS = 1 << 20

// Keys caches the JWKS documents of issuers by URL (fetched with
// Config.Client, aged by Config.Now). Its zero value is ready; it is safe
// for concurrent use.
type Keys struct {
	// TTL is how long a fetched JWKS is used before it is fetched again
	// (zero: DefaultTTL). A token naming a key id the cached JWKS lacks
	// fetches it again at once, at most once per verification.
	TTL time.Duration

	mu   sync.Mutex
	sets map[string]*keySet
}

// keySet is one JWKS URL's cached keys.
type keySet struct {
	mu      sync.Mutex // held while fetching: concurrent callers share a fetch
	keys    []key
	fetched time.Time
	gen     int // fetches so far
}

// key is a usable verification key from a JWKS.
type key struct {
	kid, kty, crv, alg string
	pub                crypto.PublicKey
}

// FetchError is a JWKS that could not be fetched: Status is the HTTP status
// when the server answered (else 0 and Err says why).
type FetchError struct {
	URL    string
	Status int
	Err    error
}

func (e *FetchError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("the issuer's JWKS at %s answered HTTP %d", e.URL, e.Status)
	}
	return fmt.Sprintf("the issuer's JWKS at %s could not be fetched: %v", e.URL, e.Err)
}

func (e *FetchError) Unwrap() error { return e.Err }

func (ks *Keys) set(url string) *keySet {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.sets == nil {
		ks.sets = map[string]*keySet{}
	}
	s := ks.sets[url]
	if s == nil {
		s = &keySet{}
		ks.sets[url] = s
	}
	return s
}

// candidates returns the keys that may check a signature of h: those with
// h's key id (every fitting key when the token names none). It fetches the
// JWKS when it has none, when it is older than the TTL, or when its
// generation is still refetch (so concurrent callers that miss the same
// key share one fetch); fresh says this call fetched.
func (ks *Keys) candidates(ctx context.Context, cfg *Config, url string, s *keySet, h header, refetch int) (keys []key, gen int, fresh bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ttl := ks.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if s.gen == 0 || !cfg.now().Before(s.fetched.Add(ttl)) || s.gen == refetch {
		got, err := fetch(ctx, cfg.Client, url)
		if err != nil {
			return nil, s.gen, false, err
		}
		s.keys, s.fetched, s.gen, fresh = got, cfg.now(), s.gen+1, true
	}
	for _, k := range s.keys {
		if (h.Kid == "" || k.kid == h.Kid) && k.fits(h.Alg) {
			keys = append(keys, k)
		}
	}
	return keys, s.gen, fresh, nil
}

// verify checks sig with the issuer's keys. When the JWKS it holds has no
// key for the token (or, for a token without a key id, none of its keys
// signed it) and was not fetched just now, it fetches the JWKS once more:
// the issuer may have rotated its keys.
func (ks *Keys) verify(ctx context.Context, cfg *Config, url string, h header, signed, sig []byte) error {
	s := ks.set(url)
	keys, gen, fresh, err := ks.candidates(ctx, cfg, url, s, h, -1)
	if err != nil {
		return err
	}
	if anyChecks(keys, h.Alg, signed, sig) {
		return nil
	}
	if !fresh && (len(keys) == 0 || h.Kid == "") {
		if keys, _, _, err = ks.candidates(ctx, cfg, url, s, h, gen); err != nil {
			return err
		}
		if anyChecks(keys, h.Alg, signed, sig) {
			return nil
		}
	}
	if len(keys) == 0 {
		if h.Kid != "" {
			return fmt.Errorf("%w: the JWKS at %s has no %s key with key id %q", ErrNoKey, url, h.Alg, h.Kid)
		}
		return fmt.Errorf("%w: the JWKS at %s has no %s key", ErrNoKey, url, h.Alg)
	}
	return ErrSignature
}

func anyChecks(keys []key, alg string, signed, sig []byte) bool {
	for i := range keys {
		if keys[i].check(alg, signed, sig) {
			return true
		}
	}
	return false
}

// fetch reads the JWKS at url with c and keeps the keys it can use.
func fetch(ctx context.Context, c *http.Client, url string) ([]key, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, &FetchError{URL: url, Err: err}
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	req.Header.Set("User-Agent", "Patchbay")
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, &FetchError{URL: url, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKS))
	if err != nil {
		return nil, &FetchError{URL: url, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &FetchError{URL: url, Status: resp.StatusCode}
	}
	var doc struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, &FetchError{URL: url, Err: fmt.Errorf("not a JWKS: %v", err)}
	}
	var out []key
	for _, j := range doc.Keys {
		if k, ok := j.key(); ok {
			out = append(out, k)
		}
	}
	return out, nil
}

// jwk is one JSON Web Key (RFC 7517 section 4, RFC 7518 section 6,
// RFC 8037 section 2); only public members are read.
type jwk struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
	Crv    string   `json:"crv"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
}

// key returns j as a verification key, or false when it is not one this
// package uses: another use, a symmetric or unknown key type, an RSA key
// under 2048 bits (RFC 7518 section 3.3), a point off its curve.
func (j jwk) key() (key, bool) {
	if (j.Use != "" && j.Use != "sig") || (j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify")) {
		return key{}, false
	}
	k := key{kid: j.Kid, kty: j.Kty, crv: j.Crv, alg: j.Alg}
	switch j.Kty {
	case "RSA":
		n, err1 := b64(j.N)
		e, err2 := b64(j.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return key{}, false
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < 2048 || pub.E < 3 || pub.E%2 == 0 {
			return key{}, false
		}
		k.pub, k.crv = pub, ""
	case "EC":
		curve, ok := curves[j.Crv]
		if !ok {
			return key{}, false
		}
		x, err1 := b64(j.X)
		y, err2 := b64(j.Y)
		size := (curve.Params().BitSize + 7) / 8
		if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
			return key{}, false
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return key{}, false
		}
		k.pub = pub
	case "OKP":
		x, err := b64(j.X)
		if j.Crv != "Ed25519" || err != nil || len(x) != ed25519.PublicKeySize {
			return key{}, false
		}
		k.pub = ed25519.PublicKey(x)
	default:
		return key{}, false
	}
	return k, true
}
