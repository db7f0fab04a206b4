// Package portal is the client portal: signed, expiring, single-use
// reconnection links, client-scoped sessions, and the portal's HTTP API
// (/portal/api/…) through which a client lists, refreshes and reconnects
// only their own connections, by consent, never typing a secret.
package portal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Token errors; the portal shows each with its own page.
var (
	ErrForged  = errors.New("this link is not valid; ask for a new one")
	ErrExpired = errors.New("this link has expired; ask for a new one")
)

// Signer signs and verifies reconnection tokens with HMAC-SHA256.
type Signer struct{ Key []byte }

// Sign returns the token for a request id valid until expires.
func (s Signer) Sign(requestID string, expires time.Time) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(requestID + "|" + strconv.FormatInt(expires.Unix(), 10)))
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

func (s Signer) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// Verify checks the signature (in constant time) and the expiry and returns
// the request id.
func (s Signer) Verify(token string, now time.Time) (string, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok {
		return "", ErrForged
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(payload)) {
		return "", ErrForged
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "", ErrForged
	}
	id, exp, ok := strings.Cut(string(raw), "|")
	unix, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil {
		return "", ErrForged
	}
	if now.After(time.Unix(unix, 0)) {
		return "", ErrExpired
	}
	return id, nil
}
