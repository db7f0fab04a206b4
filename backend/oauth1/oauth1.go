// Package oauth1 speaks OAuth 1.0a with RSA-SHA1 signatures (RFC 5849), the
// legacy application-link flow of Jira Data Center: get a request token,
// send the user to the authorize page, exchange the verification code the
// user pastes for an access token, and sign every API request with it.
package oauth1

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"patchbay/backend/domain"
)

// Consumer is the application link's consumer: its key and RSA private key.
type Consumer struct {
	Key        string
	PrivateKey *rsa.PrivateKey
}

// ParsePrivateKey reads a PEM RSA private key (PKCS #1 or PKCS #8).
func ParsePrivateKey(pemText string) (*rsa.PrivateKey, error) {
	bad := domain.FieldError("privateKey", "Paste the RSA private key (PEM, starting with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----) whose public key is registered in the Jira application link.")
	block, _ := pem.Decode([]byte(strings.TrimSpace(pemText)))
	if block == nil {
		return nil, bad
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, bad
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, bad
	}
	return rk, nil
}

// Encode percent-encodes s as RFC 5849 section 3.6 requires.
func Encode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// BaseString is the signature base string of a request (RFC 5849 3.4.1):
// the method, the base URI and the sorted, encoded parameters (the query's
// and the oauth_* ones, without oauth_signature).
func BaseString(method string, u *url.URL, oauthParams map[string]string) string {
	type kv struct{ k, v string }
	var params []kv
	for k, vs := range u.Query() {
		for _, v := range vs {
			params = append(params, kv{Encode(k), Encode(v)})
		}
	}
	for k, v := range oauthParams {
		if k != "oauth_signature" {
			params = append(params, kv{Encode(k), Encode(v)})
		}
	}
	sort.Slice(params, func(i, j int) bool {
		if params[i].k != params[j].k {
			return params[i].k < params[j].k
		}
		return params[i].v < params[j].v
	})
	pairs := make([]string, len(params))
	for i, p := range params {
		pairs[i] = p.k + "=" + p.v
	}
	host := strings.ToLower(u.Host)
	if p := u.Port(); (u.Scheme == "http" && p == "80") || (u.Scheme == "https" && p == "443") {
		host = strings.ToLower(u.Hostname())
	}
	base := strings.ToLower(u.Scheme) + "://" + host + u.EscapedPath()
	return strings.ToUpper(method) + "&" + Encode(base) + "&" + Encode(strings.Join(pairs, "&"))
}

// Authorization returns the Authorization header of a request signed with
// RSA-SHA1; extra holds oauth_token, oauth_callback or oauth_verifier.
func (c Consumer) Authorization(method string, u *url.URL, extra map[string]string, now time.Time) (string, error) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	p := map[string]string{
		"oauth_consumer_key":     c.Key,
		"oauth_nonce":            hex.EncodeToString(nonce),
		"oauth_signature_method": "RSA-SHA1",
		"oauth_timestamp":        strconv.FormatInt(now.Unix(), 10),
		"oauth_version":          "1.0",
	}
	for k, v := range extra {
		p[k] = v
	}
	sum := sha1.Sum([]byte(BaseString(method, u, p)))
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.PrivateKey, crypto.SHA1, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign OAuth 1.0a request: %w", err)
	}
	p["oauth_signature"] = base64.StdEncoding.EncodeToString(sig)
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf(`%s="%s"`, Encode(k), Encode(p[k]))
	}
	return "OAuth " + strings.Join(parts, ", "), nil
}

// ParseAuthorization reads the oauth_* parameters of an Authorization header.
func ParseAuthorization(h string) (map[string]string, bool) {
	rest, ok := strings.CutPrefix(h, "OAuth ")
	if !ok {
		return nil, false
	}
	out := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, false
		}
		k, _ = url.PathUnescape(k)
		v, _ = url.PathUnescape(strings.Trim(v, `"`))
		out[k] = v
	}
	return out, true
}

// Verify checks an RSA-SHA1 signed request against the consumer's public key.
func Verify(r *http.Request, pub *rsa.PublicKey) (map[string]string, error) {
	p, ok := ParseAuthorization(r.Header.Get("Authorization"))
	if !ok || p["oauth_signature_method"] != "RSA-SHA1" {
		return nil, fmt.Errorf("not an RSA-SHA1 OAuth 1.0a request")
	}
	sig, err := base64.StdEncoding.DecodeString(p["oauth_signature"])
	if err != nil {
		return nil, fmt.Errorf("bad signature encoding: %w", err)
	}
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	if r.TLS != nil {
		u.Scheme = "https"
	}
	sum := sha1.Sum([]byte(BaseString(r.Method, &u, p)))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], sig); err != nil {
		return nil, fmt.Errorf("signature_invalid")
	}
	return p, nil
}

// Endpoints are the three URLs of the flow.
type Endpoints struct {
	RequestToken, Authorize, AccessToken string
}

// Client runs the flow's token requests.
type Client struct {
	HTTP     *http.Client
	Consumer Consumer
	// Now is the clock of the signatures' timestamps (the system clock if nil).
	Now domain.Clock
}

func (c Client) now() time.Time { return domain.Now(c.Now) }

// RequestToken asks for a request token with the out-of-band callback (the
// user copies the verification code from Jira's page).
func (c Client) RequestToken(ctx context.Context, e Endpoints) (token, secret string, err error) {
	v, err := c.post(ctx, e.RequestToken, map[string]string{"oauth_callback": "oob"})
	if err != nil {
		return "", "", fmt.Errorf("request token: %w", err)
	}
	return v.Get("oauth_token"), v.Get("oauth_token_secret"), nil
}

// AuthorizeURL is the page where the user allows access.
func AuthorizeURL(e Endpoints, requestToken string) string {
	sep := "?"
	if strings.Contains(e.Authorize, "?") {
		sep = "&"
	}
	return e.Authorize + sep + "oauth_token=" + url.QueryEscape(requestToken)
}

// AccessToken exchanges the authorized request token and the verification
// code for an access token.
func (c Client) AccessToken(ctx context.Context, e Endpoints, requestToken, verifier string) (token, secret string, err error) {
	v, err := c.post(ctx, e.AccessToken, map[string]string{"oauth_token": requestToken, "oauth_verifier": strings.TrimSpace(verifier)})
	if err != nil {
		return "", "", fmt.Errorf("access token: %w", err)
	}
	return v.Get("oauth_token"), v.Get("oauth_token_secret"), nil
}

func (c Client) post(ctx context.Context, raw string, extra map[string]string) (url.Values, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	auth, err := c.Consumer.Authorization(http.MethodPost, u, extra, c.now())
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, raw, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", auth)
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	v, perr := url.ParseQuery(strings.TrimSpace(string(body)))
	if resp.StatusCode != http.StatusOK || perr != nil || v.Get("oauth_token") == "" {
		problem := v.Get("oauth_problem")
		if problem == "" {
			problem = strings.TrimSpace(string(body))
		}
		return nil, &Problem{Status: resp.StatusCode, Problem: problem}
	}
	return v, nil
}

// Problem is an OAuth 1.0a error answer (oauth_problem).
type Problem struct {
	Status  int
	Problem string
}

func (p *Problem) Error() string { return fmt.Sprintf("HTTP %d: %s", p.Status, p.Problem) }
