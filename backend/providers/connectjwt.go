package providers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"time"
)

// connectAuth is the auth value template of Atlassian Connect apps: each
// request carries its own JWT.
const connectAuth = "connect-jwt:"

// ConnectJWT signs one request of an Atlassian Connect app as Atlassian
// documents it (developer.atlassian.com/cloud/jira/platform/understanding-
// jwt-for-connect-apps): HS256 with the installation's shared secret over
// {iss: app key, iat, exp, qsh}, where qsh is the SHA-256 (hex) of the
// canonical request "METHOD&path&query" — path relative to the site's base
// URL, query parameters sorted, percent-encoded (RFC 3986), repeated values
// joined with commas, the jwt parameter left out.
func ConnectJWT(method string, u *url.URL, baseURL, appKey, sharedSecret string, now time.Time) (string, error) {
	enc := base64.RawURLEncoding
	claims, err := json.Marshal(map[string]any{"iss": appKey, "iat": now.Unix(), "exp": now.Add(3 * time.Minute).Unix(),
		"qsh": QSH(method, u, baseURL)})
	if err != nil {
		return "", err
	}
	signing := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, []byte(sharedSecret))
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil)), nil
}

// QSH is the query-string hash of a request (see ConnectJWT).
func QSH(method string, u *url.URL, baseURL string) string {
	path := u.EscapedPath()
	if b, err := url.Parse(baseURL); err == nil {
		path = strings.TrimPrefix(path, strings.TrimRight(b.EscapedPath(), "/"))
	}
	if path == "" {
		path = "/"
	}
	if len(path) > 1 {
		path = strings.TrimRight(path, "/")
	}
	path = strings.ReplaceAll(path, "&", "%26")
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "jwt" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		for i := range vs {
			vs[i] = rfc3986(vs[i])
		}
		sort.Strings(vs)
		parts = append(parts, rfc3986(k)+"="+strings.Join(vs, ","))
	}
	canonical := strings.ToUpper(method) + "&" + path + "&" + strings.Join(parts, "&")
	sum := sha256.Sum256([]byte(canonical))
	return hex.EncodeToString(sum[:])
}

// rfc3986 percent-encodes s as RFC 3986 unreserved-only.
func rfc3986(s string) string {
	e := url.QueryEscape(s)
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(e)
}
