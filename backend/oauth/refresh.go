package oauth

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
	"path/filepath"
	"regexp"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"patchbay/backend/domain"
	"patchbay/backend/filelock"
	"patchbay/backend/retry"
	"patchbay/backend/secrets"
)

// TokenStore persists a connection's OAuth token (access token, refresh
// token, expiry) — in the secret store, never in SQLite.
type TokenStore interface {
	LoadToken(ctx context.Context, key string) (*oauth2.Token, error)
	SaveToken(ctx context.Context, key string, tok *oauth2.Token) error
}

// SecretTokens keeps tokens as JSON in a secrets.Store.
type SecretTokens struct{ Secrets secrets.Store }

// storedToken is a token as stored: oauth2.Token's own fields plus the
// OpenID Connect ID token, which oauth2.Token keeps only in memory.
type storedToken struct {
	oauth2.Token
	IDToken string `json:"id_token,omitempty"`
}

// LoadToken reads the token stored under key; its ID token, if any, is
// tok.Extra("id_token") (see IDToken).
func (s SecretTokens) LoadToken(ctx context.Context, key string) (*oauth2.Token, error) {
	raw, err := s.Secrets.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("load token %s: %w", key, err)
	}
	var st storedToken
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return nil, fmt.Errorf("decode token %s: %w", key, err)
	}
	tok := &st.Token
	if st.IDToken != "" {
		tok = tok.WithExtra(map[string]any{"id_token": st.IDToken})
	}
	return tok, nil
}

// SaveToken stores tok under key, with its ID token.
func (s SecretTokens) SaveToken(ctx context.Context, key string, tok *oauth2.Token) error {
	b, err := json.Marshal(storedToken{Token: *tok, IDToken: IDToken(tok)})
	if err != nil {
		return fmt.Errorf("encode token %s: %w", key, err)
	}
	return s.Secrets.Set(ctx, key, string(b))
}

// IDToken is the OpenID Connect ID token that came with tok ("" if none).
func IDToken(tok *oauth2.Token) string {
	if tok == nil {
		return ""
	}
	s, _ := tok.Extra("id_token").(string)
	return s
}

// Refresher hands out fresh access tokens. It refreshes ahead of expiry, one
// refresh at a time per connection however many callers wait: within the
// process through singleflight, across processes (window, serve, check on
// one data directory) through a lock file, re-reading the stored token after
// taking the lock so a token another process just refreshed is reused. A
// rotated refresh token is saved before the new access token is returned.
//
// The one window it cannot close: if the process dies after the provider
// rotated the refresh token but before the response was read and saved, the
// stored refresh token is already invalid and the connection needs
// reconnecting. Providers with a reuse leeway (Atlassian: 10 minutes) forgive
// a retry with the old token inside it.
type Refresher struct {
	Store TokenStore
	// LockDir holds the per-connection lock files (the data directory).
	LockDir string
	// Skew caps how long before expiry a token is refreshed (default 5
	// minutes): a token is refreshed min(Skew, half its lifetime) ahead, so
	// a 120 s token is used for 60 s instead of being refreshed on every use.
	Skew time.Duration
	// MaxElapsed bounds the retries of transient failures (default 2 minutes).
	MaxElapsed time.Duration
	// LockWait bounds how long WithLock and Replace wait for a refresh of
	// the same token in progress (DefaultLockWait if 0).
	LockWait time.Duration
	// InitialInterval is the first backoff delay (default 500 ms).
	InitialInterval time.Duration
	Log             *slog.Logger
	// Now is the clock a token's expiry is compared with (the system clock
	// if nil; the service sets its own).
	Now domain.Clock

	// Observe, when set, is told the outcome of every refresh that reached
	// the token endpoint (the audit log): rotated says the provider issued a
	// new refresh token; failed is the classified failure (nil: success).
	// It never sees a token.
	Observe func(ctx context.Context, key string, rotated bool, failed *domain.CheckResult)

	// retried, when set, is told each failed attempt and the wait before the
	// next one (tests assert the wait a Retry-After asked for).
	retried func(err error, wait time.Duration)
	group   singleflight.Group
}

// now is the refresher's one reading of its injected clock.
func (r *Refresher) now() time.Time { return domain.Now(r.Now) }

// Ahead is how long before its expiry tok is refreshed: min(cap, half the
// lifetime the provider gave it when it was issued, expires_in). A token
// whose lifetime is unknown is refreshed cap ahead.
func Ahead(tok *oauth2.Token, cap time.Duration) time.Duration {
	if cap == 0 {
		cap = 5 * time.Minute
	}
	if tok != nil && tok.ExpiresIn > 0 {
		if half := time.Duration(tok.ExpiresIn) * time.Second / 2; half < cap {
			return half
		}
	}
	return cap
}

func (r *Refresher) fresh(tok *oauth2.Token, now time.Time) bool {
	return tok != nil && tok.AccessToken != "" && (tok.Expiry.IsZero() || tok.Expiry.Sub(now) > Ahead(tok, r.Skew))
}

// budget is how long one refresh (all its retries) may take.
func (r *Refresher) budget() time.Duration {
	if r.MaxElapsed > 0 {
		return r.MaxElapsed
	}
	return 2 * time.Minute
}

// shared runs fn once per key however many callers ask (singleflight). The
// flight is not bound to the first caller's context: a caller that gives up
// returns at once, the refresh goes on with its own deadline (budget plus
// 30 s for the lock and the save) and serves the others.
func (r *Refresher) shared(ctx context.Context, key string, budget time.Duration, fn func(ctx context.Context) (*oauth2.Token, error)) (*oauth2.Token, error) {
	ch := r.group.DoChan(key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget+30*time.Second)
		defer cancel()
		return fn(fctx)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*oauth2.Token), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Token returns a fresh access token for the connection stored under key,
// refreshing it with cfg when it expires soon. A permanent failure is a
// *domain.Error whose Check has a permanent class (the caller moves the
// connection to error); a transient one that outlasted the retries has a
// transient class.
func (r *Refresher) Token(ctx context.Context, key string, cfg *oauth2.Config) (*oauth2.Token, error) {
	tok, err := r.Store.LoadToken(ctx, key)
	if err != nil {
		return nil, err
	}
	if r.fresh(tok, r.now()) {
		return tok, nil
	}
	return r.shared(ctx, key, r.budget(), func(ctx context.Context) (*oauth2.Token, error) {
		return r.refreshLocked(ctx, key, cfg, "", r.budget())
	})
}

// Refresh refreshes now, even if the token is still fresh.
func (r *Refresher) Refresh(ctx context.Context, key string, cfg *oauth2.Config) (*oauth2.Token, error) {
	return r.RefreshWithin(ctx, key, cfg, r.budget())
}

// RefreshWithin is Refresh with its own budget for retrying transient
// failures (a user-started "Refresh credential" waits about 15 s, not the
// background refresh's 2 minutes).
func (r *Refresher) RefreshWithin(ctx context.Context, key string, cfg *oauth2.Config, budget time.Duration) (*oauth2.Token, error) {
	return r.shared(ctx, key, budget, func(ctx context.Context) (*oauth2.Token, error) {
		return r.refreshLocked(ctx, key, cfg, "*", budget)
	})
}

// Renew replaces the access token used, which the provider just refused
// (401 or 403): if another caller already rotated it, the current token is
// returned without a refresh (a second rotation would revoke the token the
// others are using); otherwise it is refreshed now.
func (r *Refresher) Renew(ctx context.Context, key string, cfg *oauth2.Config, used string) (*oauth2.Token, error) {
	tok, err := r.Store.LoadToken(ctx, key)
	if err != nil {
		return nil, err
	}
	if tok.AccessToken != used && r.fresh(tok, r.now()) {
		return tok, nil
	}
	return r.shared(ctx, key, r.budget(), func(ctx context.Context) (*oauth2.Token, error) {
		return r.refreshLocked(ctx, key, cfg, used, r.budget())
	})
}

// LockWaitsMessage is what WithLock (and so Replace) logs when it has to
// wait for a refresh of the same token in progress.
const LockWaitsMessage = "waits for a token refresh in progress"

// ReplaceWaitsMessage is what Replace logs when it has to wait for a
// refresh in progress.
const ReplaceWaitsMessage = LockWaitsMessage

// DefaultLockWait bounds how long WithLock waits for a refresh in progress:
// less than a consent finish's two minutes, so a re-authorization stuck
// behind a hung refresh says so instead of running out of time.
const DefaultLockWait = 90 * time.Second

// ErrRefreshRunning is what WithLock returns (wrapped) when a refresh of the
// same token held the lock longer than the refresher's LockWait (or the
// caller's deadline): nothing was changed.
var ErrRefreshRunning = errors.New("another refresh of this token is still running")

// WithLock runs fn holding the per-connection lock a refresh holds, so fn
// never interleaves with a refresh of the token stored under key (in this
// process or another): a refresh in flight saves its token first and fn
// sees it, and a refresh starting later sees what fn left. why names the
// caller in the log line when it has to wait. It waits at most LockWait
// (DefaultLockWait if 0) or until ctx's deadline; then it returns an error
// wrapping ErrRefreshRunning without calling fn.
func (r *Refresher) WithLock(ctx context.Context, key, why string, fn func(ctx context.Context) error) error {
	path := r.lockPath(key)
	unlock, ok, err := filelock.TryLock(path)
	if err == nil && !ok {
		if r.Log != nil {
			r.Log.Info(LockWaitsMessage, "key", key, "for", why)
		}
		wait := r.LockWait
		if wait <= 0 {
			wait = DefaultLockWait
		}
		wctx, cancel := context.WithTimeout(ctx, wait)
		unlock, err = filelock.Lock(wctx, path)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) { // LockWait or the caller's deadline ran out
			if r.Log != nil {
				r.Log.Warn("gave up waiting for a token refresh in progress", "key", key, "for", why, "waited", wait)
			}
			return fmt.Errorf("%s of %s: %w", why, key, ErrRefreshRunning)
		}
	}
	if err != nil {
		return fmt.Errorf("lock token of %s: %w", key, err)
	}
	defer unlock()
	return fn(ctx)
}

// Replace makes tok the token stored under key: the new grant of a
// re-authorization. It takes the per-connection lock a refresh holds
// (WithLock), so it never interleaves with one: a refresh of the old token
// in flight (in this process or another) saves its token first and tok is
// saved after it, and a refresh that starts later reads tok.
func (r *Refresher) Replace(ctx context.Context, key string, tok *oauth2.Token) error {
	return r.WithLock(ctx, key, "re-authorization", func(ctx context.Context) error {
		if err := r.Store.SaveToken(ctx, key, tok); err != nil {
			return fmt.Errorf("save new token %s: %w", key, err)
		}
		return nil
	})
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// lockPath is the lock file of the token stored under key.
func (r *Refresher) lockPath(key string) string {
	return filepath.Join(r.LockDir, "refresh-"+unsafeName.ReplaceAllString(key, "_")+".lock")
}

// refreshLocked refreshes under the connection's lock file. replace says
// when a token that is still fresh is refreshed anyway: "" never, "*"
// always, else only while the stored access token is still that one.
func (r *Refresher) refreshLocked(ctx context.Context, key string, cfg *oauth2.Config, replace string, maxElapsed time.Duration) (*oauth2.Token, error) {
	unlock, err := filelock.Lock(ctx, r.lockPath(key))
	if err != nil {
		return nil, fmt.Errorf("lock refresh of %s: %w", key, err)
	}
	defer unlock()
	// Another process may have refreshed while we waited for the lock.
	tok, err := r.Store.LoadToken(ctx, key)
	if err != nil {
		return nil, err
	}
	if r.fresh(tok, r.now()) && (replace == "" || replace != "*" && replace != tok.AccessToken) {
		return tok, nil
	}
	if tok.RefreshToken == "" {
		res := domain.CheckResult{Class: domain.ClassExpired, Message: "The access token expired and the provider gave no refresh token. Reconnect to grant access again."}
		return nil, &domain.Error{Code: domain.EValidation, Message: res.Message, Check: &res}
	}
	var last domain.CheckResult
	var next *oauth2.Token
	rctx := tokenContext(ctx, cfg)
	// An unknown client authentication is learned (styleLearner: Basic,
	// the body once only after invalid_client, kept for the retries).
	styles := learnStyle(cfg)
	err = retry.Do(ctx, retry.Policy{Initial: r.InitialInterval, MaxElapsed: maxElapsed, Notify: r.retried}, func() error {
		nt, err := styles.request(func(cfg *oauth2.Config) (*oauth2.Token, error) {
			return cfg.TokenSource(rctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		})
		if err == nil {
			next = expiresOn(nt, r.now())
			return nil
		}
		last = Classify(err, r.now())
		if last.Class.Permanent() {
			return retry.Permanent(err)
		}
		if last.RetryAt != nil {
			return retry.After(time.Duration(int(last.RetryAt.Sub(r.now()).Seconds()+0.5))*time.Second, err)
		}
		return err
	})
	if err != nil {
		if last.Class == "" {
			last = Classify(err, r.now())
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		if r.Observe != nil {
			failed := last
			r.Observe(ctx, key, false, &failed)
		}
		return nil, &domain.Error{Code: domain.EValidation, Message: last.Message, Check: &last}
	}
	rotated := next.RefreshToken != "" && next.RefreshToken != tok.RefreshToken
	if next.RefreshToken == "" { // the provider does not rotate: keep the old one
		next.RefreshToken = tok.RefreshToken
	}
	if IDToken(next) == "" && IDToken(tok) != "" { // refresh answers may omit the ID token
		next = next.WithExtra(map[string]any{"id_token": IDToken(tok)})
	}
	// The token may have been removed meanwhile by a writer that did not
	// take the lock (the connection was deleted or disconnected): saving
	// would bring a live token back for a connection that is gone.
	if _, err := r.Store.LoadToken(ctx, key); errors.Is(err, secrets.ErrNotFound) {
		if r.Log != nil {
			r.Log.Warn("refreshed token discarded: the connection's token was removed during the refresh", "key", key)
		}
		return nil, fmt.Errorf("save refreshed token %s: the stored token was removed during the refresh: %w", key, err)
	}
	// Persist first: the old refresh token may already be invalid.
	if err := r.Store.SaveToken(ctx, key, next); err != nil {
		return nil, fmt.Errorf("save refreshed token %s: %w", key, err)
	}
	if r.Log != nil {
		r.Log.Info("token refreshed", "key", key, "expires", next.Expiry, "rotated", rotated)
	}
	if method := styles.learned(); method != "" {
		if r.Log != nil {
			r.Log.Info("client authentication learned", "key", key, "method", method)
		}
		if record := learnedRecorder(ctx); record != nil {
			record(ctx, method)
		}
	}
	if r.Observe != nil {
		r.Observe(ctx, key, rotated, nil)
	}
	return next, nil
}

// tokenContext gives x/oauth2's token requests (code exchange, refresh) a
// client that never follows a redirect: a 307 or 308 would repeat the POST,
// client secret, code or refresh token included, at the address it names.
// When cfg.RedirectURL is set, refresh grants carry it as redirect_uri:
// Jira Data Center refuses a refresh without the redirect URI of the
// authorization (x/oauth2 sends only the refresh token).
func tokenContext(ctx context.Context, cfg *oauth2.Config) context.Context {
	next := http.DefaultTransport
	if cfg.RedirectURL != "" {
		next = withRedirect{next: next, uri: cfg.RedirectURL}
	}
	return context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Timeout: 30 * time.Second, Transport: next, CheckRedirect: noRedirect})
}

// noRedirect stops an http.Client at a redirect (the caller sees it).
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// withRedirect adds redirect_uri to refresh_token grant requests.
type withRedirect struct {
	next http.RoundTripper
	uri  string
}

func (t withRedirect) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Method != http.MethodPost {
		return t.next.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err == nil && form.Get("grant_type") == "refresh_token" && form.Get("redirect_uri") == "" {
		form.Set("redirect_uri", t.uri)
		body = []byte(form.Encode())
	}
	r2 := r.Clone(r.Context())
	r2.Body, r2.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.next.RoundTrip(r2)
}
