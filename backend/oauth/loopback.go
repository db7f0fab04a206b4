// Package oauth runs OAuth 2.0 consent and token refresh for connections:
// the RFC 8252 loopback flow with PKCE S256 and a random state, and a
// refresher that refreshes one token at a time per connection — within the
// process (singleflight) and across processes (a lock file) — and persists a
// rotated refresh token before anyone uses the new access token. The
// exchanges themselves go through golang.org/x/oauth2.
package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"patchbay/backend/domain"
	"patchbay/backend/serving"
)

// DefaultConsentTimeout is how long a consent waits for the browser.
const DefaultConsentTimeout = 5 * time.Minute

// ConsentOptions tune a loopback consent.
type ConsentOptions struct {
	// Port pins the loopback port for providers that only accept an exactly
	// registered redirect URI; 0 picks a random free port (RFC 8252).
	Port int
	// Timeout bounds the wait for the browser (DefaultConsentTimeout if 0).
	Timeout time.Duration
	// RedirectURL is the redirect URI registered with the OAuth app when it
	// is not the loopback listener itself: an HTTPS page the team hosts that
	// forwards the browser (query intact) to http://127.0.0.1:Port/ — for
	// providers that only accept HTTPS redirects. It requires a pinned Port;
	// the listener then accepts the callback on any path.
	RedirectURL string
	// Handoff starts no listener: RedirectURL is a callback on the app's own
	// HTTP server (the client portal), which passes the browser's request
	// to Callback. DoneURL, if set, is where the browser goes on success.
	Handoff bool
	DoneURL string
	// DoneMessage is what the browser tab says on success when there is no
	// DoneURL (default: "Patchbay is connected. You can close this tab.").
	DoneMessage string
	// PKCE sends an S256 code challenge.
	PKCE bool
	// AuthParams are extra authorize parameters (audience, prompt…).
	AuthParams map[string]string
	// Now is the clock the token's expiry and a Retry-After count from (the
	// system clock if nil).
	Now domain.Clock
	// Finish, if set, is what the app does with the token (validate it,
	// create or update the connection) while the browser waits: the tab
	// says "connected" only when Finish succeeded, and otherwise shows its
	// error and tells the user to return to Patchbay. Wait returns Finish's
	// error. It runs at most FinishTimeout (default 2 minutes).
	Finish        func(ctx context.Context, tok *oauth2.Token) error
	FinishTimeout time.Duration
	// AuthStyleLearned, if set, is told the client authentication that
	// worked (providers.TokenAuthBasic or TokenAuthPost) when the config's
	// was unknown (AuthStyleUnknown): the code exchange learns it as the
	// Refresher does (Basic, the same code once more in the body only after
	// invalid_client). It is called after a successful exchange, before
	// Finish.
	AuthStyleLearned func(method string)
}

// Consent is one running loopback consent: open AuthURL in the system
// browser, then Wait for the token.
type Consent struct {
	AuthURL     string
	RedirectURI string

	cfg      oauth2.Config
	state    string
	verifier string
	srv      *http.Server
	ln       net.Listener
	doneURL  string
	doneMsg  string
	once     sync.Once
	done     chan result
	cancel   chan struct{}
	stopOnce sync.Once
	timeout  time.Duration
	now      domain.Clock
	// phase moves from waiting to accepted (a callback is being completed:
	// the consent then waits for it instead of timing out or being
	// cancelled midway) or to ended (timed out or cancelled), never both.
	mu            sync.Mutex
	phase         int
	finish        func(ctx context.Context, tok *oauth2.Token) error
	finishTimeout time.Duration
	learned       func(method string)
}

type result struct {
	tok *oauth2.Token
	err error
}

// StartConsent listens on 127.0.0.1 (never another interface) and prepares
// the authorize URL. cfg.RedirectURL is set to the listener's callback.
func StartConsent(cfg oauth2.Config, o ConsentOptions) (*Consent, error) {
	c := &Consent{state: randomString(24), done: make(chan result, 1), cancel: make(chan struct{}), timeout: o.Timeout, doneURL: o.DoneURL, doneMsg: o.DoneMessage, now: o.Now,
		finish: o.Finish, finishTimeout: o.FinishTimeout, learned: o.AuthStyleLearned}
	if c.finishTimeout == 0 {
		c.finishTimeout = 2 * time.Minute
	}
	if o.Handoff {
		if o.RedirectURL == "" {
			return nil, domain.Errorf(domain.EInvalid, "A handed-off consent needs the callback URL of the app's server.")
		}
		c.RedirectURI = o.RedirectURL
		return finishStart(c, cfg, o), nil
	}
	if o.RedirectURL != "" && o.Port == 0 {
		return nil, domain.Errorf(domain.EInvalid, "A registered redirect URI needs the local port it forwards to.")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(o.Port)))
	if err != nil {
		return nil, domain.Errorf(domain.EUnavailable, "Cannot listen on 127.0.0.1:%d for the OAuth callback (%v). Free the port or choose another.", o.Port, err)
	}
	c.ln = ln
	c.RedirectURI = fmt.Sprintf("http://127.0.0.1:%d/callback", ln.Addr().(*net.TCPAddr).Port)
	callbackPath := "GET /callback"
	if o.RedirectURL != "" {
		c.RedirectURI, callbackPath = o.RedirectURL, "GET /"
	}
	finishStart(c, cfg, o)
	mux := http.NewServeMux()
	mux.HandleFunc(callbackPath, c.Callback)
	c.srv, _ = serving.Loopback.Serve(ln, mux)
	return c, nil
}

// finishStart prepares the authorize URL of a consent.
func finishStart(c *Consent, cfg oauth2.Config, o ConsentOptions) *Consent {
	if c.timeout == 0 {
		c.timeout = DefaultConsentTimeout
	}
	cfg.RedirectURL = c.RedirectURI
	c.cfg = cfg
	opts := []oauth2.AuthCodeOption{}
	if o.PKCE {
		c.verifier = oauth2.GenerateVerifier()
		opts = append(opts, oauth2.S256ChallengeOption(c.verifier))
	}
	for k, v := range o.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	c.AuthURL = cfg.AuthCodeURL(c.state, opts...)
	return c
}

// State is the consent's state parameter (a handed-off callback is routed by it).
func (c *Consent) State() string { return c.state }

// CallbackParams are the query parameters of the provider's redirect to
// the app's callback (RFC 6749 §4.1.2, and §4.1.2.1 for an error).
type CallbackParams struct {
	State, Code, Error, ErrorDescription string
}

// CallbackParamsOf reads a redirect's query parameters.
func CallbackParamsOf(q url.Values) CallbackParams {
	return CallbackParams{State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error"), ErrorDescription: q.Get("error_description")}
}

// CallbackPage is what the browser is shown after a callback: a page whose
// Message reports success (OK) or what went wrong, or, when Redirect is
// set, the app's own page to go to instead. Unknown says no consent waits
// for the callback's state (the portal counts it as a failure).
type CallbackPage struct {
	OK       bool
	Unknown  bool
	Message  string
	Redirect string
}

// Callback serves the provider's redirect over HTTP (the loopback
// listener): Complete, then WriteCallbackPage.
func (c *Consent) Callback(w http.ResponseWriter, r *http.Request) {
	WriteCallbackPage(w, r, c.Complete(r.Context(), CallbackParamsOf(r.URL.Query())))
}

// Complete accepts the provider's redirect exactly once, from the loopback
// listener or handed over by the app's own server (Handoff): it exchanges
// the code, runs Finish and says what the browser is shown. The exchange is
// bounded by ctx (and 30 s); Finish is not cut short when ctx ends (a closed
// tab), only by FinishTimeout.
func (c *Consent) Complete(ctx context.Context, p CallbackParams) CallbackPage {
	if subtle.ConstantTimeCompare([]byte(p.State), []byte(c.state)) != 1 {
		return CallbackPage{Message: "This sign-in response does not match the request Patchbay made. Start the connection again from Patchbay."}
	}
	out := CallbackPage{Message: "This sign-in link was already used. You can close this tab."}
	c.once.Do(func() {
		if !c.move(phaseAccepted) { // cancelled or timed out before the browser came back
			out = CallbackPage{Message: "This sign-in was cancelled or timed out in Patchbay; nothing was changed. Return to Patchbay and start again."}
			return
		}
		var res result
		switch {
		case p.Error == "access_denied":
			res.err = domain.Errorf(domain.EValidation, "You declined access at the provider. Nothing was changed; start again if that was a mistake.")
		case p.Error != "":
			res.err = domain.Errorf(domain.EValidation, "The provider refused the authorization: %s %s", p.Error, p.ErrorDescription)
		case p.Code == "":
			res.err = domain.Errorf(domain.EValidation, "The provider sent no authorization code. Start the connection again.")
		default:
			opts := []oauth2.AuthCodeOption{}
			if c.verifier != "" {
				opts = append(opts, oauth2.VerifierOption(c.verifier))
			}
			xctx, cancel := context.WithTimeout(tokenContext(ctx, &c.cfg), 30*time.Second)
			defer cancel()
			// A client-authentication failure (invalid_client) means the
			// code was not looked at: an unknown style may send it once more.
			styles := learnStyle(&c.cfg)
			tok, err := styles.request(func(cfg *oauth2.Config) (*oauth2.Token, error) {
				return cfg.Exchange(xctx, p.Code, opts...)
			})
			if err != nil {
				res.err = ExchangeError(err, domain.Now(c.now))
			} else {
				res.tok = expiresOn(tok, domain.Now(c.now))
				if method := styles.learned(); method != "" && c.learned != nil {
					c.learned(method)
				}
			}
		}
		if res.err == nil && c.finish != nil {
			// The browser waits for the app: a closed tab must not abort it.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.finishTimeout)
			res.err = c.finish(fctx, res.tok)
			cancel()
		}
		c.done <- res
		switch {
		case res.err != nil:
			out = CallbackPage{Message: "Patchbay could not connect: " + domain.Public(res.err).Message + " Return to Patchbay to try again; you can close this tab."}
		case c.doneURL != "":
			out = CallbackPage{OK: true, Redirect: c.doneURL}
		case c.doneMsg != "":
			out = CallbackPage{OK: true, Message: c.doneMsg}
		default:
			out = CallbackPage{OK: true, Message: "Patchbay is connected. You can close this tab."}
		}
	})
	return out
}

// WriteCallbackPage writes pg as the response to a callback request r: a
// redirect (303), or the page (200 when it reports success, else 400).
func WriteCallbackPage(w http.ResponseWriter, r *http.Request, pg CallbackPage) {
	switch {
	case pg.Redirect != "":
		http.Redirect(w, r, pg.Redirect, http.StatusSeeOther)
	case pg.OK:
		page(w, http.StatusOK, pg.Message)
	default:
		page(w, http.StatusBadRequest, pg.Message)
	}
}

func page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><title>Patchbay</title><body style="font-family:sans-serif;margin:4em"><h1>Patchbay</h1><p>%s</p></body>`, htmlEscape(msg))
}

// ErrConsentCancelled is what Wait returns for a consent cancelled in
// Patchbay (Cancel), as opposed to a provider's refusal.
var ErrConsentCancelled = domain.Errorf(domain.EValidation, "The sign-in was cancelled. Nothing was changed.")

// Wait blocks until the consent completes, fails, times out or is
// cancelled, then stops the listener.
func (c *Consent) Wait(ctx context.Context) (*oauth2.Token, error) {
	defer c.stop()
	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	var fail error
	select {
	case res := <-c.done:
		return res.tok, res.err
	case <-timer.C:
		fail = domain.Errorf(domain.EValidation, "The sign-in was not completed within %s. Start the connection again.", c.timeout)
	case <-c.cancel:
		fail = ErrConsentCancelled
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c.move(phaseEnded) {
		return nil, fail
	}
	// The browser came back first: the exchange and Finish have their own
	// deadlines; neither the consent timeout nor Cancel cuts them short.
	select {
	case res := <-c.done:
		return res.tok, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

const (
	phaseWaiting = iota
	phaseAccepted
	phaseEnded
)

// move leaves the waiting phase for to; it fails if the consent already left it.
func (c *Consent) move(to int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.phase != phaseWaiting {
		return false
	}
	c.phase = to
	return true
}

// Cancel ends a waiting consent.
func (c *Consent) Cancel() {
	c.stopOnce.Do(func() { close(c.cancel) })
}

func (c *Consent) stop() {
	c.Cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if c.srv != nil {
		_ = c.srv.Shutdown(ctx)
		_ = c.ln.Close() // at once, even if Serve has not started: the port is free when Wait returns
	}
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func htmlEscape(s string) string {
	out := make([]byte, 0, len(s))
	for _, r := range []byte(s) {
		switch r {
		case '<':
			out = append(out, "&lt;"...)
		case '>':
			out = append(out, "&gt;"...)
		case '&':
			out = append(out, "&amp;"...)
		case '"':
			out = append(out, "&#34;"...)
		default:
			out = append(out, r)
		}
	}
	return string(out)
}

// ExchangeError classifies a failed token request (code exchange or
// refresh) into a user-facing error carrying the check classification.
func ExchangeError(err error, now time.Time) error {
	r := Classify(err, now)
	return &domain.Error{Code: domain.EValidation, Message: r.Message, Check: &r}
}

// expiresOn sets tok's expiry from its expires_in on the given clock
// (x/oauth2 counts it from the wall clock).
func expiresOn(tok *oauth2.Token, now time.Time) *oauth2.Token {
	if tok != nil && tok.ExpiresIn > 0 {
		tok.Expiry = now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	return tok
}

// Classify maps a token endpoint failure to a check result: invalid_grant,
// invalid_client and unauthorized_client are permanent ("Reconnection
// needed."), and so are the vendors' own codes for a dead grant (Slack's
// invalid_refresh_token, GitHub's bad_refresh_token, both sent with HTTP
// 200; Entra's interaction_required and consent_required: vendorError);
// 5xx, 429 and network errors are transient.
func Classify(err error, now time.Time) domain.CheckResult {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		if res, ok := vendorError(re); ok {
			return res
		}
		status := re.Response.StatusCode
		res := domain.CheckResult{HTTPStatus: status}
		switch {
		case re.ErrorCode == "invalid_grant":
			res.Class = domain.ClassRevoked
			res.Message = "The provider rejected the grant (invalid_grant"
			if re.ErrorDescription != "" {
				res.Message += ": " + re.ErrorDescription
			}
			res.Message += "). The authorization expired or was revoked; reconnect to grant access again."
		case re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client":
			res.Class = domain.ClassInvalidCredentials
			res.Message = "The provider rejected the OAuth client (" + re.ErrorCode + "). Check the client ID and secret, then reauthorize with new credentials."
		case status == http.StatusTooManyRequests:
			res.Class = domain.ClassRateLimited
			res.Message = "The provider is rate limiting token requests."
			if secs, err := strconv.Atoi(re.Response.Header.Get("Retry-After")); err == nil {
				t := now.Add(time.Duration(secs) * time.Second).UTC()
				res.RetryAt = &t
			}
		case status >= 500:
			res.Class = domain.ClassProviderDown
			res.Message = fmt.Sprintf("The provider's token endpoint had an internal error (HTTP %d).", status)
		default:
			res.Class = domain.ClassMisconfigured
			res.Message = fmt.Sprintf("The token endpoint refused the request (HTTP %d %s).", status, re.ErrorCode)
			if l := re.Response.Header.Get("Location"); l != "" {
				res.Message = "The token endpoint redirected to " + l + ": check the token URL."
			}
		}
		return res
	}
	return domain.CheckResult{Class: domain.ClassNetwork, Message: "The token endpoint could not be reached: " + err.Error() + "."}
}
