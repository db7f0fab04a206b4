package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/idtoken"
	"patchbay/backend/oauth1"
)

// DefaultTimeout bounds one validation request; a hung provider answers with
// a network classification after it.
const DefaultTimeout = 15 * time.Second

// maxBody bounds how much of a provider's answer is read.
const maxBody = 1 << 20

// Validator sends validation requests described by the catalogue and
// classifies the answers.
type Validator struct {
	Client  *http.Client
	Timeout time.Duration
	// Now is the clock of check times and OAuth 1.0a signatures (the system
	// clock if nil; the service sets its own).
	Now domain.Clock
	Log *slog.Logger

	// apps caches GitHub App installation tokens in memory; copies of a
	// validator share it.
	apps *appTokens
	// jwks caches issuers' JWKS for ID tokens; copies share it.
	jwks *idtoken.Keys
}

// NewValidator returns a Validator that never follows redirects (a redirect
// would carry the credential header to another host) and times out after
// DefaultTimeout.
func NewValidator() *Validator {
	return &Validator{
		Client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		Timeout: DefaultTimeout,
		Log:     slog.Default(),
		apps:    &appTokens{},
		jwks:    &idtoken.Keys{},
	}
}

// Target is what a validation needs: the provider, the mode, the connection's
// base URL and the values of the mode's fields (secret ones included).
type Target struct {
	Provider *Provider
	Mode     *Mode
	BaseURL  string
	Values   map[string]string
}

// apiBase is where t's API calls go: the mode's site gateway once the
// connection's site is known (Jira Cloud OAuth: api.atlassian.com/ex/jira/
// {cloudId}), else its base URL.
func (t Target) apiBase() string {
	if t.Mode.OAuth != nil && t.Mode.OAuth.Sites != nil && t.Values["cloudId"] != "" {
		return render(t.Mode.OAuth.Sites.APIBase, t.Values)
	}
	return t.BaseURL
}

// Site is one site an OAuth token was granted (Atlassian accessible-resources).
type Site struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	URL    string   `json:"url"`
	Scopes []string `json:"scopes"`
}

// Sites lists the sites t's access token was granted.
func (v *Validator) Sites(ctx context.Context, t Target) ([]Site, domain.CheckResult) {
	spec := t.Mode.OAuth.Sites
	res, body := v.call(ctx, Target{Provider: t.Provider, Mode: t.Mode, BaseURL: t.BaseURL, Values: map[string]string{"accessToken": t.Values["accessToken"]}},
		http.MethodGet, spec.URL, nil, ValidateSpec{})
	if !res.OK() {
		return nil, res
	}
	var sites []Site
	if err := json.Unmarshal(body, &sites); err != nil {
		return nil, domain.CheckResult{Class: domain.ClassMisconfigured, Message: fmt.Sprintf("The list of granted sites could not be read (%v).", err)}
	}
	return sites, res
}

func (v *Validator) now() time.Time { return domain.Now(v.Now) }

// Validate sends the mode's validation request and classifies the answer.
// It never returns an error: every failure is a classified CheckResult.
func (v *Validator) Validate(ctx context.Context, t Target) domain.CheckResult {
	start := v.now()
	res := v.validate(ctx, t)
	res.LatencyMS = v.now().Sub(start).Milliseconds()
	res.CheckedAt = start.UTC()
	res.Message = scrub(res.Message, t)
	if res.OK() && res.Identity == "" {
		// Providers that report no account (SonarQube's validate) are known
		// by the email or user name the user typed.
		res.Identity = firstNonEmpty(t.Values["email"], t.Values["username"])
		if t.Mode.AppToken != nil {
			res.Identity = "GitHub App " + t.Values["appId"] + " (installation " + t.Values["installationId"] + ")"
		}
	}
	Explain(&res, t.Provider)
	v.Log.Info("validated connection", "provider", t.Provider.ID, "mode", t.Mode.ID, "class", res.Class, "status", res.HTTPStatus, "latency_ms", res.LatencyMS)
	return res
}

func (v *Validator) validate(ctx context.Context, t Target) domain.CheckResult {
	if t.Mode.OAuth != nil && t.Mode.OAuth.Discovery && strings.TrimSpace(t.Values["userinfoUrl"]) == "" {
		return v.validateWithoutUserinfo(ctx, t)
	}
	res, _ := v.call(ctx, t, t.Mode.Validate.Method, t.Mode.Validate.URL, nil, t.Mode.Validate)
	return res
}

// call sends one authenticated request built from the templates of t's mode
// and classifies the answer; it returns the body for callers that read it.
// A GitHub App mode's request carries a minted installation token; if GitHub
// refuses it (revoked before its hour was up) one new token is minted and
// the request sent once more.
func (v *Validator) call(ctx context.Context, t Target, method, urlTpl string, body []byte, spec ValidateSpec) (domain.CheckResult, []byte) {
	res, data, _ := v.callHeader(ctx, t, method, urlTpl, body, spec)
	return res, data
}

// callHeader is call that also returns the answer's header (nil when no
// answer came).
func (v *Validator) callHeader(ctx context.Context, t Target, method, urlTpl string, body []byte, spec ValidateSpec) (domain.CheckResult, []byte, http.Header) {
	if t.Mode.AppToken == nil {
		return v.callOnce(ctx, t, method, urlTpl, body, spec)
	}
	res, data, header := v.callOnce(ctx, t, method, urlTpl, body, spec)
	if res.HTTPStatus == http.StatusUnauthorized {
		v.appCache().drop(appTokenKey(t))
		res, data, header = v.callOnce(ctx, t, method, urlTpl, body, spec)
	}
	return res, data, header
}

func (v *Validator) callOnce(ctx context.Context, t Target, method, urlTpl string, body []byte, spec ValidateSpec) (domain.CheckResult, []byte, http.Header) {
	values := withBase(t)
	if t.Mode.AppToken != nil {
		tok, res := v.installationToken(ctx, t)
		if res != nil {
			return *res, nil, nil
		}
		values["accessToken"] = tok
	}
	target, err := JoinURL("validationUrl", t.apiBase(), render(urlTpl, values))
	if err != nil {
		return domain.CheckResult{Class: domain.ClassMisconfigured, Message: domain.Public(err).Message}, nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, v.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return domain.CheckResult{Class: domain.ClassMisconfigured, Message: fmt.Sprintf("Cannot build the request: %v.", err)}, nil, nil
	}
	name, value := render(t.Mode.Auth.Header, values), authValue(t.Mode.Auth.Value, values)
	if t.Mode.OAuth1 != nil {
		// Every OAuth 1.0a request carries its own RSA-SHA1 signature.
		if value, err = signOAuth1(req.Method, req.URL, values, v.now()); err != nil {
			return domain.CheckResult{Class: domain.ClassMisconfigured, Message: domain.Public(err).Message}, nil, nil
		}
	}
	if t.Mode.Auth.Value == connectAuth {
		jwt, err := ConnectJWT(req.Method, req.URL, t.apiBase(), values["appKey"], values["sharedSecret"], v.now())
		if err != nil {
			return domain.CheckResult{Class: domain.ClassMisconfigured, Message: "Cannot sign the Connect request: " + err.Error() + "."}, nil, nil
		}
		value = "JWT " + jwt
	}
	if !validHeaderName(name) {
		return domain.CheckResult{Class: domain.ClassMisconfigured, Message: fmt.Sprintf("%q is not a valid HTTP header name. Use letters, digits and dashes, e.g. X-API-Key.", name)}, nil, nil
	}
	req.Header.Set(name, value)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Patchbay")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, moved, err := v.do(req)
	if err != nil {
		return classifyTransport(err, v.Timeout), nil, nil
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return classifyTransport(err, v.Timeout), nil, nil
	}
	res := Classify(resp, data, spec, v.now())
	if moved != "" {
		res.Message += fmt.Sprintf(" The server redirected %s to %s: use that address as the URL.", target, moved)
	}
	return res, data, resp.Header
}

// maxRedirects is how many same-origin redirects a validation GET follows.
const maxRedirects = 3

// do sends req, following at most maxRedirects redirects of a GET
// (301/302/307/308) that stay on the same origin (scheme, host and port);
// a redirect to another origin is never followed, so the credential header
// never leaves the host it was meant for. moved is the final URL when a
// redirect was followed.
func (v *Validator) do(req *http.Request) (resp *http.Response, moved string, err error) {
	for hops := 0; ; hops++ {
		resp, err = v.Client.Do(req)
		if err != nil || req.Method != http.MethodGet || hops == maxRedirects {
			return resp, moved, err
		}
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		default:
			return resp, moved, nil
		}
		next, perr := req.URL.Parse(resp.Header.Get("Location"))
		if perr != nil || resp.Header.Get("Location") == "" || next.Scheme != req.URL.Scheme || !strings.EqualFold(next.Host, req.URL.Host) {
			return resp, moved, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		r2 := req.Clone(req.Context())
		r2.URL, r2.Host = next, ""
		req, moved = r2, next.String()
	}
}

// signOAuth1 signs a request with the connection's consumer key, private
// key and OAuth 1.0a access token ("oauth1Token").
func signOAuth1(method string, u *url.URL, values map[string]string, now time.Time) (string, error) {
	key, err := oauth1.ParsePrivateKey(values["privateKey"])
	if err != nil {
		return "", err
	}
	extra := map[string]string{}
	if tok := values["oauth1Token"]; tok != "" {
		extra["oauth_token"] = tok
	}
	return oauth1.Consumer{Key: values["consumerKey"], PrivateKey: key}.Authorization(method, u, extra, now)
}

// withBase returns the field values plus baseUrl, for templates.
func withBase(t Target) map[string]string {
	values := make(map[string]string, len(t.Values)+1)
	for k, v := range t.Values {
		values[k] = v
	}
	values["baseUrl"] = t.BaseURL
	if t.Mode != nil {
		for _, f := range t.Mode.Fields {
			if d := f.DeriveFrom; d != nil && values[f.Key] == "" {
				if re, err := compiled(d.Pattern); err == nil {
					if m := re.FindStringSubmatch(values[d.Field]); len(m) > 1 {
						values[f.Key] = m[1]
					}
				}
			}
		}
	}
	return values
}

var headerName = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+.^_|~-]+$`)

func validHeaderName(s string) bool { return headerName.MatchString(s) }

// authValue renders the header value; the "basic:" prefix means HTTP Basic
// of the rendered "user:password" pair.
func authValue(tpl string, values map[string]string) string {
	if rest, ok := strings.CutPrefix(tpl, "basic:"); ok {
		user, pass, _ := strings.Cut(render(rest, values), ":")
		req := http.Request{Header: http.Header{}}
		req.SetBasicAuth(user, pass)
		return req.Header.Get("Authorization")
	}
	return render(tpl, values)
}

// classifyTransport maps an error from the HTTP client (no answer at all).
func classifyTransport(err error, timeout time.Duration) domain.CheckResult {
	var msg string
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		msg = fmt.Sprintf("The provider did not answer within %s.", timeout)
	case errors.Is(err, context.Canceled):
		msg = "The check was cancelled."
	case strings.Contains(err.Error(), "no such host"):
		msg = "The host name could not be found (DNS). Check the URL for typos, or your network connection."
	case strings.Contains(err.Error(), "connection refused"):
		msg = "The server refused the connection. Check the URL and port, and that the service is running."
	case strings.Contains(err.Error(), "certificate") || strings.Contains(err.Error(), "tls:"):
		msg = "The server's TLS certificate was not accepted. Check the URL; a self-hosted server needs a certificate your system trusts."
	default:
		msg = "The provider could not be reached: " + err.Error() + "."
	}
	return domain.CheckResult{Class: domain.ClassNetwork, Message: msg}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// Classify maps a provider's HTTP answer to a CheckResult, reading identity,
// scopes, expiry and rate-limit headers as spec describes.
func Classify(resp *http.Response, body []byte, spec ValidateSpec, now time.Time) domain.CheckResult {
	res := classify(resp, body, spec, now)
	if r := readers[spec.Reader]; r != nil {
		r(resp, body, &res)
	}
	latest := now.AddDate(1, 0, 0)
	for _, t := range []**time.Time{&res.RateResetAt, &res.ExpiresAt, &res.RetryAt} {
		*t = clampTime(*t, latest)
	}
	return res
}

// clampTime bounds a provider's timestamp at latest (now + 1 year): a header
// like X-RateLimit-Reset: 999999999999999 is nonsense, and a time past the
// year 9999 could not even be stored, so the check's result would be lost.
func clampTime(t *time.Time, latest time.Time) *time.Time {
	if t == nil || !t.After(latest) {
		return t
	}
	c := latest.UTC()
	return &c
}

func classify(resp *http.Response, body []byte, spec ValidateSpec, now time.Time) domain.CheckResult {
	res := domain.CheckResult{HTTPStatus: resp.StatusCode}
	res.Scopes = splitScopes(resp.Header.Get(spec.ScopesHeader), spec.ScopesHeader)
	res.RateRemaining = intHeader(resp.Header, spec.RateRemainingHeader)
	res.RateLimit = intHeader(resp.Header, spec.RateLimitHeader)
	if spec.RateResetHeader != "" && resp.Header.Get(spec.RateResetHeader) != "" {
		res.RateResetAt = resetTime(resp.Header.Get(spec.RateResetHeader), now)
	}
	res.ExpiresAt = timeHeader(resp.Header, spec.ExpiryHeader)
	providerMsg := providerMessage(body)
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		if spec.IdentityField != "" || len(spec.IdentityFallbacks) > 0 {
			id, ok := identity(body, spec)
			if !ok {
				res.Class = domain.ClassMisconfigured
				res.Message = "The provider answered, but not with the account details Patchbay expected. Check that the base URL points at the provider's API."
				return res
			}
			res.Identity = id
		}
		// A present but empty scopes header is a token with no scopes; no
		// header at all (GitHub fine-grained PATs) says nothing.
		if missing := missingScopes(spec.RequiredScopes, res.Scopes, spec.ScopesHeader != "" && len(resp.Header.Values(spec.ScopesHeader)) > 0); len(missing) > 0 {
			res.Class = domain.ClassInsufficientScope
			res.MissingScopes = missing
			res.Message = "The credential works but lacks the scopes " + strings.Join(missing, ", ") + "."
			return res
		}
		res.Class = domain.ClassOK
		res.Message = "Connection validated."
	case code >= 300 && code < 400:
		res.Class = domain.ClassMisconfigured
		res.Message = fmt.Sprintf("The server redirected the request (HTTP %d) to %s. Use the final address as the URL.", code, resp.Header.Get("Location"))
	case code == http.StatusUnauthorized:
		lower := strings.ToLower(providerMsg + " " + resp.Header.Get("WWW-Authenticate"))
		switch {
		case strings.Contains(lower, "expired"):
			res.Class = domain.ClassExpired
			res.Message = "The provider says the credential has expired."
		case strings.Contains(lower, "revoked"):
			res.Class = domain.ClassRevoked
			res.Message = "The provider says the credential was revoked."
		default:
			res.Class = domain.ClassInvalidCredentials
			res.Message = "The provider rejected the credential (HTTP 401)."
		}
	case code == http.StatusForbidden && isZero(resp.Header, spec.RateRemainingHeader, "X-RateLimit-Remaining"):
		res.Class = domain.ClassRateLimited
		res.RetryAt = retryAt(resp.Header, spec.RateResetHeader, now)
		res.Message = "The provider's rate limit is used up."
	case (code == http.StatusForbidden || code == http.StatusTooManyRequests) && secondaryLimit(code, resp.Header, providerMsg):
		// GitHub's secondary rate limits: 403 or 429 with a message saying
		// so, an optional Retry-After, and X-RateLimit-Remaining usually not
		// 0 ("Troubleshooting the REST API", docs.github.com).
		res.Class = domain.ClassRateLimited
		res.RetryAt = secondaryRetry(resp.Header, now)
		res.Message = "The provider's secondary rate limit was exceeded (too many requests in a short time); the credential is fine."
	case code == http.StatusForbidden && bearerError(resp.Header) == "invalid_token":
		// RFC 6750 section 3.1: the token is expired, revoked or malformed,
		// whatever the status (some servers answer 403).
		res.Class = domain.ClassInvalidCredentials
		res.Message = "The provider rejected the access token (HTTP 403, invalid_token)."
	case code == http.StatusForbidden:
		res.Class = domain.ClassInsufficientScope
		accepted := splitScopes(resp.Header.Get("X-Accepted-OAuth-Scopes"), "X-Accepted-OAuth-Scopes")
		res.MissingScopes = missingScopes(append(spec.RequiredScopes, accepted...), res.Scopes, len(res.Scopes) > 0)
		if len(res.MissingScopes) == 0 {
			res.MissingScopes = requiredInBody(body)
		}
		res.ScopeReported = len(res.MissingScopes) > 0 || bearerError(resp.Header) == "insufficient_scope" ||
			strings.Contains(strings.ToLower(providerMsg), "scope")
		res.Message = "The credential is valid but not allowed to do this (HTTP 403)."
		if len(res.MissingScopes) > 0 {
			res.Message += " Missing scopes: " + strings.Join(res.MissingScopes, ", ") + "."
		}
	case code == http.StatusTooManyRequests:
		res.Class = domain.ClassRateLimited
		res.RetryAt = retryAt(resp.Header, spec.RateResetHeader, now)
		res.Message = "The provider is rate limiting requests (HTTP 429)."
	case code == http.StatusNotFound:
		res.Class = domain.ClassMisconfigured
		res.Message = "The validation endpoint was not found (HTTP 404). Check the base URL and the validation URL."
	case code >= 500:
		res.Class = domain.ClassProviderDown
		res.RetryAt = retryAt(resp.Header, "", now)
		res.Message = fmt.Sprintf("The provider had an internal error (HTTP %d).", code)
	default:
		res.Class = domain.ClassMisconfigured
		res.Message = fmt.Sprintf("The provider refused the request (HTTP %d).", code)
	}
	if providerMsg != "" && res.Class != domain.ClassOK {
		res.Message += " It said: “" + providerMsg + "”"
	}
	if res.RetryAt != nil {
		res.Message += " Try again after " + res.RetryAt.Local().Format("15:04:05") + "."
	}
	return res
}

// requiredInBody is the scopes a 403 answer says the request needed:
// Bitbucket Cloud's error object, {"type":"error","error":{"message":"Your
// credentials lack one or more required privilege scopes.","detail":
// {"required":[…],"granted":[…]}}}.
func requiredInBody(body []byte) []string {
	var doc struct {
		Error struct{ Detail struct{ Required []string } }
	}
	_ = json.Unmarshal(body, &doc) // "error" is a string elsewhere: then nothing
	return doc.Error.Detail.Required
}

// secondaryLimit reports a secondary (abuse) rate limit: a Retry-After on a
// 403, or the provider's message saying so.
func secondaryLimit(code int, h http.Header, msg string) bool {
	lower := strings.ToLower(msg)
	return code == http.StatusForbidden && h.Get("Retry-After") != "" || strings.Contains(lower, "secondary rate limit") || strings.Contains(lower, "abuse detection")
}

// secondaryRetry is when to retry after a secondary limit: Retry-After, the
// reset when no requests remain, else at least one minute (GitHub: "wait
// for at least one minute before retrying").
func secondaryRetry(h http.Header, now time.Time) *time.Time {
	if h.Get("Retry-After") != "" || isZero(h, "X-RateLimit-Remaining") {
		if t := retryAt(h, "", now); t != nil {
			return t
		}
	}
	t := now.Add(time.Minute).UTC()
	return &t
}

// bearerError is the error attribute of a Bearer WWW-Authenticate
// challenge (RFC 6750 section 3): invalid_token, insufficient_scope…
func bearerError(h http.Header) string {
	for _, v := range h.Values("WWW-Authenticate") {
		if i := strings.Index(v, `error="`); i >= 0 {
			rest := v[i+len(`error="`):]
			if j := strings.IndexByte(rest, '"'); j >= 0 {
				return rest[:j]
			}
		}
	}
	return ""
}

// providerMessage extracts a short human message from a JSON error body.
func providerMessage(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	if l, ok := m["errorMessages"].([]any); ok && len(l) > 0 {
		m["errorMessage"] = l[0] // Jira's error collection
	}
	for _, k := range []string{"message", "error_description", "error", "errorMessage"} {
		if s, ok := m[k].(string); ok && s != "" {
			if len(s) > 200 {
				s = s[:200] + "…"
			}
			return s
		}
	}
	return ""
}

// identity reads the account from the answer: IdentityField, else the first
// non-empty IdentityFallbacks field.
func identity(body []byte, spec ValidateSpec) (string, bool) {
	for _, f := range append([]string{spec.IdentityField}, spec.IdentityFallbacks...) {
		if f == "" {
			continue
		}
		if id, ok := jsonField(body, f); ok && strings.TrimSpace(id) != "" {
			return id, true
		}
	}
	if spec.IdentityField != "" {
		return jsonField(body, spec.IdentityField) // present but empty: as before
	}
	return "", false
}

// jsonField reads a dotted path ("user.login") from a JSON object as text.
func jsonField(body []byte, path string) (string, bool) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return "", false
	}
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		if v, ok = m[part]; !ok {
			return "", false
		}
	}
	switch x := v.(type) {
	case string:
		return x, true
	case nil:
		return "", false
	default:
		return fmt.Sprint(x), true
	}
}

func splitScopes(h, name string) []string {
	if name == "" || strings.TrimSpace(h) == "" {
		return nil
	}
	var out []string // nil, not empty, when h holds only separators
	return append(out, strings.FieldsFunc(h, func(r rune) bool { return r == ',' || r == ' ' })...)
}

// missingScopes lists required scopes absent from granted; it says nothing
// when the provider did not report its grants (known is false).
func missingScopes(required, granted []string, known bool) []string {
	if !known {
		return nil
	}
	have := map[string]bool{}
	for _, g := range granted {
		have[g] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, r := range required {
		if !have[r] && !seen[r] {
			out = append(out, r)
			seen[r] = true
		}
	}
	return out
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
