package fakes

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"patchbay/backend/domain"
)

// The fake Jira Cloud site's installed Connect app (fake values).
const (
	JiraConnectAppKey       = "com.example.patchbay"
	JiraConnectSharedSecret = "demo-connect-shared-secret-0123456789abcdef"
)

// connectAuthorized checks a Connect app's JWT as Jira does
// (developer.atlassian.com/cloud/jira/platform/understanding-jwt-for-
// connect-apps): HS256 signed with the installation's shared secret, iss
// the app key, exp in the future, qsh the hash of this very request
// ("Creating a query string hash"; computed here independently of
// Patchbay's code). It answers 401 itself when the JWT is refused.
func (s *Server) connectAuthorized(w http.ResponseWriter, r *http.Request, context string) bool {
	refuse := func(msg string) bool {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"errorMessages": []string{msg}, "errors": map[string]any{}})
		return false
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "JWT ")
	seg := strings.Split(tok, ".")
	if len(seg) != 3 {
		return refuse("Authentication failed: the JWT is malformed")
	}
	mac := hmac.New(sha256.New, []byte(JiraConnectSharedSecret))
	mac.Write([]byte(seg[0] + "." + seg[1]))
	sig, err := base64.RawURLEncoding.DecodeString(seg[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return refuse("Authentication failed: the JWT signature does not verify")
	}
	raw, _ := base64.RawURLEncoding.DecodeString(seg[1])
	var c struct {
		Iss string
		Exp int64
		Qsh string
	}
	if json.Unmarshal(raw, &c) != nil || c.Iss != JiraConnectAppKey {
		return refuse("Authentication failed: unknown issuer")
	}
	if c.Exp <= domain.Now(s.Now).Unix() {
		return refuse("Authentication failed: the JWT has expired")
	}
	if c.Qsh != fakeQSH(r, context) {
		return refuse("Authentication failed: the query hash does not match the request")
	}
	return true
}

// fakeQSH: SHA-256 of "METHOD&relative-path&sorted-encoded-query".
func fakeQSH(r *http.Request, context string) string {
	p := strings.TrimPrefix(r.URL.EscapedPath(), context)
	switch {
	case p == "":
		p = "/"
	case len(p) > 1 && strings.HasSuffix(p, "/"):
		p = strings.TrimSuffix(p, "/")
	}
	enc := func(v string) string {
		var b strings.Builder
		for _, c := range []byte(v) {
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		}
		return b.String()
	}
	q, _ := url.ParseQuery(r.URL.RawQuery)
	delete(q, "jwt")
	var pairs []string
	for k, vs := range q {
		e := make([]string, len(vs))
		for i, v := range vs {
			e[i] = enc(v)
		}
		sort.Strings(e)
		pairs = append(pairs, enc(k)+"="+strings.Join(e, ","))
	}
	sort.Strings(pairs)
	sum := sha256.Sum256([]byte(strings.ToUpper(r.Method) + "&" + strings.ReplaceAll(p, "&", "%26") + "&" + strings.Join(pairs, "&")))
	return fmt.Sprintf("%x", sum)
}
