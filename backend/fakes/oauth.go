package fakes

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"patchbay/backend/domain"
)

// OAuth client credentials the fake authorization server accepts.
const (
	OAuthClientID     = "patchbay-demo-client"
	OAuthClientSecret = "demo-client-secret-0001"
)

// OAuthServer is a fake OAuth 2.0 authorization server: an authorize page
// with Approve and Deny buttons, a token endpoint that checks PKCE, rotates
// refresh tokens and revokes the whole grant when an old refresh token is
// reused, and a userinfo endpoint. Failures can be injected.
type OAuthServer struct {
	mu        sync.Mutex
	codes     map[string]authCode    // code -> pending grant
	refresh   map[string]*grant      // live refresh token -> grant
	used      map[string]*grant      // rotated-out refresh token -> grant
	access    map[string]accessToken // access token -> grant
	fail      []injected             // errors the next token calls answer
	delay     time.Duration          // every token call waits this long
	refreshes int                    // successful refresh grants
	AccessTTL time.Duration          // access token lifetime (default 1 h)
	now       func() time.Time
	sites     []string // Atlassian sites the next consents grant (paths on this server)
	// RefreshNeedsRedirect makes refresh grants resend the authorization's
	// redirect_uri, as Jira Data Center does (invalid_grant otherwise).
	RefreshNeedsRedirect bool
	// RevokeOnRotate revokes a grant's earlier access tokens when a refresh
	// issues a new one (oidc-provider's rotateRefreshToken with the grant's
	// tokens destroyed; RFC 6819 section 5.2.2.3).
	RevokeOnRotate bool
	// RefusedStatus answers a refused access token (default 401). 403
	// reproduces Django REST framework, which answers "HTTP 403 Forbidden"
	// with {"detail": "Authentication credentials were not provided."} and no
	// WWW-Authenticate when the scheme gives no challenge
	// (django-rest-framework.org/api-guide/authentication, "Unauthorized and
	// Forbidden responses").
	RefusedStatus int
	// RevokeFails, if set, is the status the revocation endpoint answers.
	RevokeFails int
	revocations int
	// BeforeUserinfo, if set, runs before userinfo checks the token (tests
	// rotate the token in between to reproduce a check racing a refresh).
	BeforeUserinfo func()
	tokenCalls     []TokenCall
	postOnly       bool
}

// AcceptOnlyPost makes the token endpoint take client credentials only in
// the request body (client_secret_post), as the fake's discovery document
// lists: a Basic header is answered 401 invalid_client with a
// WWW-Authenticate challenge, RFC 6749 section 5.2's answer to "unsupported
// authentication method". (Section 2.3.1 asks servers to support Basic;
// servers whose metadata lists only client_secret_post, RFC 8414 section 2,
// do not.)
func (o *OAuthServer) AcceptOnlyPost(on bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.postOnly = on
}

// TokenCall is one request that reached a token endpoint: its path, grant
// type and how the client authenticated (RFC 6749 section 2.3.1):
// "basic" (the Authorization header), "post" (client_secret in the body)
// or "none" (only client_id in the body: a public client).
type TokenCall struct {
	Path, Grant, Auth string
}

// TokenCalls returns every token request so far, oldest first.
func (o *OAuthServer) TokenCalls() []TokenCall {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]TokenCall(nil), o.tokenCalls...)
}

// recordTokenCall notes a token request before it is answered.
func (o *OAuthServer) recordTokenCall(r *http.Request) {
	_ = r.ParseForm()
	auth := "none"
	if _, _, ok := r.BasicAuth(); ok {
		auth = "basic"
	} else if r.PostForm.Has("client_secret") {
		auth = "post"
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tokenCalls = append(o.tokenCalls, TokenCall{Path: r.URL.Path, Grant: r.PostForm.Get("grant_type"), Auth: auth})
}

type authCode struct {
	challenge, redirect string
	g                   *grant
}

type grant struct {
	revoked  bool
	subject  string
	redirect string // the redirect_uri of its authorization
	scope    string // the scope the user approved
}

type accessToken struct {
	g       *grant
	expires time.Time
	revoked bool // revoked by a refresh of its grant (GitLab)
}

// NewOAuth returns a fake authorization server.
func NewOAuth() *OAuthServer {
	return &OAuthServer{codes: map[string]authCode{}, refresh: map[string]*grant{}, used: map[string]*grant{},
		access: map[string]accessToken{}, AccessTTL: time.Hour, now: domain.SystemClock}
}

// injected is one failure a token call answers instead of its grant.
type injected struct {
	status      int
	code, desc  string
	grantErrors bool // code is a grant error the dialect translates
}

// FailNext makes the next token calls answer these HTTP statuses, in order
// (500 and 503 are outages, 429 carries Retry-After: 1).
func (o *OAuthServer) FailNext(statuses ...int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range statuses {
		o.fail = append(o.fail, injected{status: s, code: "temporarily_unavailable", desc: "injected failure"})
	}
}

// FailNextWith makes the next token call answer the RFC 6749 error code
// (invalid_grant, invalid_client, interaction_required…) in the shape of the
// endpoint's vendor: Slack's 200 ok:false, GitHub's 200 error=, Atlassian's
// 403, Entra's AADSTS body.
func (o *OAuthServer) FailNextWith(code, desc string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fail = append(o.fail, injected{status: http.StatusBadRequest, code: code, desc: desc, grantErrors: true})
}

// ClearFailures drops the failures FailNext queued and not yet answered.
func (o *OAuthServer) ClearFailures() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fail = nil
}

// SetDelay makes every token call wait d first (a slow server).
func (o *OAuthServer) SetDelay(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.delay = d
}

// RevokeAll revokes every grant (the user removed the app at the provider).
func (o *OAuthServer) RevokeAll() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, g := range o.refresh {
		g.revoked = true
	}
}

// ValidAccess reports whether tok is a live access token of this server
// (issued, not expired, its grant not revoked).
func (o *OAuthServer) ValidAccess(tok string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.access[tok]
	return ok && !a.g.revoked && !a.revoked && !o.now().After(a.expires)
}

// Refreshes returns how many refresh grants succeeded.
func (o *OAuthServer) Refreshes() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.refreshes
}

// Endpoint returns the oauth2 endpoint of a server mounted at base.
func Endpoint(base string) oauth2.Endpoint {
	return oauth2.Endpoint{AuthURL: base + "/oauth/authorize", TokenURL: base + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}
}

// Register mounts the server's endpoints on mux under /oauth/; the issuer
// {base}/oauth publishes an OpenID Connect discovery document.
func (o *OAuthServer) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth/authorize", o.authorize)
	mux.HandleFunc("POST /oauth/decide", o.decide)
	mux.HandleFunc("POST /oauth/token", o.token)
	mux.HandleFunc("GET /oauth/userinfo", o.userinfo)
	mux.HandleFunc("POST /oauth/revoke", o.revoke)
	mux.HandleFunc("GET /oauth/accessible-resources", o.accessibleResources)
	mux.HandleFunc("GET /atlassian/ex/jira/{cloud}/{rest...}", o.jiraViaGateway)
	// Jira Data Center's own OAuth 2.0 provider, on the fake's /jiradc
	// server: its refresh grant must repeat the authorization's redirect_uri.
	mux.HandleFunc("GET /jiradc/rest/oauth2/latest/authorize", o.authorize)
	mux.HandleFunc("POST /jiradc/rest/oauth2/latest/token", func(w http.ResponseWriter, r *http.Request) { o.grantToken(w, r, dialectJiraDC) })
	// GitLab's OAuth 2.0 provider on the fake's /gitlab server
	// (docs.gitlab.com/api/oauth2: a refresh sends the redirect_uri of the
	// authorization).
	o.registerGitLab(mux)
	// The cloud vendors' own token endpoints, at their real paths under
	// /cloud/{host} (providers.Catalogue.WithCloudAt points the catalogue
	// here), each answering in its vendor's documented shape.
	for _, d := range []dialect{dialectSlack, dialectGitHub, dialectAtlassian, dialectEntra, dialectBitbucket} {
		mux.HandleFunc("POST /cloud/"+d.path, func(w http.ResponseWriter, r *http.Request) { o.grantToken(w, r, d) })
		mux.HandleFunc("GET /cloud/"+d.authorizePath, func(w http.ResponseWriter, r *http.Request) {
			if msg := entraTenantError(r.PathValue("tenant")); d.name == "entra" && msg != "" {
				// Entra shows the error on its own sign-in page.
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, "<!doctype html><title>Sign in to your account</title><p>%s</p>", html.EscapeString(msg))
				return
			}
			o.authorize(w, r)
		})
	}
	mux.HandleFunc("GET /oauth/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		issuer := "http://" + r.Host + "/oauth"
		writeJSON(w, http.StatusOK, map[string]any{"issuer": issuer, "authorization_endpoint": issuer + "/authorize",
			"token_endpoint": issuer + "/token", "userinfo_endpoint": issuer + "/userinfo", "revocation_endpoint": issuer + "/revoke",
			"code_challenge_methods_supported": []string{"S256"},
			// RFC 8414 section 2: only the body, so a client that follows
			// the metadata differs from one that assumes Basic.
			"token_endpoint_auth_methods_supported": []string{"client_secret_post"}})
	})
}

func randToken(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// authorize shows the consent page.
func (o *OAuthServer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != OAuthClientID && q.Get("client_id") != EntraPublicClientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><title>Demo provider — authorize Patchbay</title>
<h1>Authorize Patchbay?</h1><p>Patchbay asks for: %s</p>
<form method="post" action="/oauth/decide">%s
<button name="decision" value="approve">Approve</button> <button name="decision" value="deny">Deny</button></form>`,
		html.EscapeString(q.Get("scope")), hiddenFields(q))
}

func hiddenFields(q url.Values) string {
	out := ""
	for _, k := range []string{"redirect_uri", "state", "code_challenge", "code_challenge_method", "scope"} {
		out += fmt.Sprintf(`<input type="hidden" name="%s" value="%s">`, k, html.EscapeString(q.Get(k)))
	}
	return out
}

// decide redirects back to the client with a code, or access_denied.
func (o *OAuthServer) decide(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	redirect, err := url.Parse(r.Form.Get("redirect_uri"))
	if err != nil || redirect.Host == "" {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	q := redirect.Query()
	q.Set("state", r.Form.Get("state"))
	if r.Form.Get("decision") != "approve" {
		q.Set("error", "access_denied")
	} else {
		code := randToken("code-")
		o.mu.Lock()
		o.codes[code] = authCode{challenge: r.Form.Get("code_challenge"), redirect: redirect.String(), g: &grant{subject: "demo-user", scope: r.Form.Get("scope")}}
		o.mu.Unlock()
		q.Set("code", code)
	}
	redirect.RawQuery = q.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// token implements the authorization_code and refresh_token grants.
func (o *OAuthServer) token(w http.ResponseWriter, r *http.Request) {
	o.grantToken(w, r, dialectRFC)
}

// grantToken is token in dialect d; d.refreshNeedsRedirect (or
// RefreshNeedsRedirect) refuses a refresh that does not repeat the
// authorization's redirect_uri.
func (o *OAuthServer) grantToken(w http.ResponseWriter, r *http.Request, d dialect) {
	refreshNeedsRedirect := d.refreshNeedsRedirect
	oauthError := func(w http.ResponseWriter, status int, code, desc string) {
		d.fail(w, r, status, code, desc)
	}
	o.recordTokenCall(r)
	o.mu.Lock()
	delay := o.delay
	var fail injected
	if len(o.fail) > 0 {
		fail, o.fail = o.fail[0], o.fail[1:]
	}
	o.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if fail.status != 0 {
		if fail.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		if fail.grantErrors {
			oauthError(w, fail.status, fail.code, fail.desc)
		} else {
			// An outage: the vendor's gateway answers the status itself.
			writeJSON(w, fail.status, map[string]string{"error": fail.code, "error_description": fail.desc})
		}
		return
	}
	_ = r.ParseForm()
	id, secret, basic := r.BasicAuth() // RFC 6749 section 2.3.1: Basic, or the body
	o.mu.Lock()
	postOnly := o.postOnly
	o.mu.Unlock()
	if basic && postOnly {
		w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed: unsupported authentication method")
		return
	}
	if !basic {
		id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
	}
	if d.name == "entra" {
		if msg := entraClientError(r, id, secret); msg != "" {
			oauthError(w, http.StatusBadRequest, "invalid_client", msg)
			return
		}
		if id == EntraPublicClientID {
			secret = OAuthClientSecret
		}
		id = strings.TrimSuffix(id, "-public")
	}
	if id != OAuthClientID || secret != OAuthClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed")
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var g *grant
	switch r.Form.Get("grant_type") {
	case "authorization_code":
		c, ok := o.codes[r.Form.Get("code")]
		delete(o.codes, r.Form.Get("code")) // codes are single use
		if !ok {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The authorization code is invalid or was already used")
			return
		}
		if c.challenge != "" && oauth2.S256ChallengeFromVerifier(r.Form.Get("code_verifier")) != c.challenge {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
			return
		}
		if r.Form.Get("redirect_uri") != c.redirect {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match")
			return
		}
		g = c.g
		g.redirect = c.redirect
	case "refresh_token":
		rt := r.Form.Get("refresh_token")
		if old, reused := o.used[rt]; reused {
			old.revoked = true // reuse detection: the whole grant goes
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Refresh token reuse detected; the grant was revoked")
			return
		}
		live, ok := o.refresh[rt]
		if !ok || live.revoked {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The refresh token is invalid, expired or revoked")
			return
		}
		if (refreshNeedsRedirect || o.RefreshNeedsRedirect) && r.Form.Get("redirect_uri") != live.redirect {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri is missing or does not match the authorization")
			return
		}
		delete(o.refresh, rt)
		o.used[rt] = live
		o.refreshes++
		g = live
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	at, rt := randToken(d.accessPrefix), randToken(d.refreshPrefix)
	if d.name == "gitlab" {
		// GitLab's tokens are 64 hex digits (docs.gitlab.com/api/oauth2 examples).
		at, rt = randToken("")+randToken(""), randToken("")+randToken("")
	}
	if d.refreshRevokesAccess && r.Form.Get("grant_type") == "refresh_token" {
		for k, a := range o.access {
			if a.g == g {
				a.revoked = true
				o.access[k] = a
			}
		}
	}
	if o.RevokeOnRotate {
		for k, a := range o.access {
			if a.g == g {
				delete(o.access, k)
			}
		}
	}
	o.access[at] = accessToken{g: g, expires: o.now().Add(o.AccessTTL)}
	o.refresh[rt] = g
	d.grant(w, r, at, rt, int(o.AccessTTL.Seconds()), o.now().Unix(), g.scope)
}

// userinfo answers for a live access token of a grant that is not revoked.
func (o *OAuthServer) userinfo(w http.ResponseWriter, r *http.Request) {
	if o.BeforeUserinfo != nil {
		o.BeforeUserinfo()
	}
	if o.authorized(w, r) {
		writeJSON(w, http.StatusOK, map[string]string{"sub": "demo-user", "email": "demo-user@example.com"})
	}
}

// revoke is an RFC 7009 revocation endpoint: the client authenticates
// (Basic or in the body), a refresh token revokes its whole grant (section
// 2.1: "SHOULD also invalidate all access tokens based on the same
// authorization grant"), an access token only itself; an unknown token is
// answered 200 too (section 2.2). RevokeFails answers the next calls with
// that status instead.
func (o *OAuthServer) revoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
	}
	if id != OAuthClientID || secret != OAuthClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed")
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.RevokeFails != 0 {
		oauthError(w, o.RevokeFails, "temporarily_unavailable", "injected failure")
		return
	}
	tok := r.Form.Get("token")
	if g, ok := o.refresh[tok]; ok {
		g.revoked = true
		o.revocations++
	} else if _, ok := o.access[tok]; ok {
		delete(o.access, tok)
		o.revocations++
	}
	w.WriteHeader(http.StatusOK)
}

// Revocations returns how many tokens the revocation endpoint revoked.
func (o *OAuthServer) Revocations() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.revocations
}

// SetSites sets the Atlassian sites (paths on this server, like "/jira")
// that accessible-resources lists; the default is one site, "/jira".
func (o *OAuthServer) SetSites(paths ...string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sites = paths
}

// CloudID is the fake Atlassian cloud id of the site at path.
func CloudID(path string) string { return "cloud" + strings.ReplaceAll(path, "/", "-") }

func (o *OAuthServer) grantedSites() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.sites == nil {
		return []string{"/jira"}
	}
	return append([]string(nil), o.sites...)
}

// accessibleResources answers like api.atlassian.com's
// /oauth/token/accessible-resources: the sites the token may use.
func (o *OAuthServer) accessibleResources(w http.ResponseWriter, r *http.Request) {
	if !o.authorized(w, r) {
		return
	}
	out := []map[string]any{}
	for _, p := range o.grantedSites() {
		// developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps,
		// "Get the cloudid for your site": id, name, url, scopes, avatarUrl.
		out = append(out, map[string]any{"id": CloudID(p), "name": strings.Trim(p, "/"), "url": "http://" + r.Host + p,
			"scopes": []string{"read:jira-work", "read:jira-user"}, "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/flag.png"})
	}
	writeJSON(w, http.StatusOK, out)
}

// jiraViaGateway answers Jira Cloud REST calls made with an OAuth token
// through api.atlassian.com/ex/jira/{cloudId}.
func (o *OAuthServer) jiraViaGateway(w http.ResponseWriter, r *http.Request) {
	if !o.authorized(w, r) {
		return
	}
	granted := false
	for _, p := range o.grantedSites() {
		granted = granted || CloudID(p) == r.PathValue("cloud")
	}
	if !granted {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "No site with this cloud id is available to the token."})
		return
	}
	switch r.PathValue("rest") {
	case "rest/api/3/myself":
		// REST v3 myself through the gateway (User schema; emailAddress
		// may be null under the user's privacy settings).
		writeJSON(w, http.StatusOK, map[string]any{"accountId": "5b10a2844c20165700ede21g", "accountType": "atlassian", "emailAddress": "oauth-user@example.com",
			"displayName": "OAuth User", "active": true})
	case "rest/api/3/project/search":
		writeJSON(w, http.StatusOK, map[string]any{"values": []map[string]string{{"name": "Platform"}, {"name": "Mobile"}}})
	default:
		http.NotFound(w, r)
	}
}

// authorized checks the request's Bearer access token and answers 401 when
// it is unknown, revoked or expired.
func (o *OAuthServer) authorized(w http.ResponseWriter, r *http.Request) bool {
	o.mu.Lock()
	tok, ok := o.access[bearer(r)]
	o.mu.Unlock()
	switch {
	case (!ok || tok.g.revoked) && o.RefusedStatus == http.StatusForbidden:
		writeJSON(w, http.StatusForbidden, map[string]string{"detail": "Authentication credentials were not provided."})
	case !ok || tok.g.revoked || tok.revoked:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
	case o.now().After(tok.expires):
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token expired"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "Token has expired"})
	default:
		return true
	}
	return false
}

var hiddenField = regexp.MustCompile(`type="hidden" name="([a-z_]+)" value="([^"]*)"`)

// ConsentRedirect plays the user on the fake consent page: it opens authURL,
// submits the form with decision ("approve" or "deny") after tamper may
// change it, and returns the URL the provider redirects the browser to (the
// app's callback) without following it.
func ConsentRedirect(authURL, decision string, tamper func(url.Values)) (string, error) {
	resp, err := http.Get(authURL)
	if err != nil {
		return "", err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{"decision": {decision}}
	for _, m := range hiddenField.FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if tamper != nil {
		tamper(form)
	}
	u, err := url.Parse(authURL)
	if err != nil {
		return "", err
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noFollow.PostForm(u.Scheme+"://"+u.Host+"/oauth/decide", form)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return resp.Header.Get("Location"), nil
}

// Browse is ConsentRedirect followed by the browser's visit to the callback;
// it returns the callback's status and page.
func Browse(authURL, decision string, tamper func(url.Values)) (int, string, error) {
	callback, err := ConsentRedirect(authURL, decision, tamper)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.Get(callback)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), nil
}
