package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/oauth"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

// slowTokenEndpoint stands in front of the fake OAuth 2.0 server (RFC 6749
// §4.1.3 authorization code exchange, §6 refresh with rotation, as the fakes
// implement them) and can hold the next refresh_token grant open until the
// test releases it: a refresh of the old token is in flight while the user
// re-authorizes. It remembers the tokens each grant type issued.
type slowTokenEndpoint struct {
	next http.Handler

	// after holds a refresh grant after the fake answered it (the provider
	// already minted the new token; its response is in flight) instead of
	// before.
	after bool

	mu      sync.Mutex
	hold    chan struct{} // non-nil: the next refresh grant waits for it
	entered chan struct{} // a held refresh grant reached the endpoint
	issued  map[string][]string
	url     string // its test server (newSlowTokens)
}

func (s *slowTokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/oauth/token" {
		s.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	grant := form.Get("grant_type")
	s.mu.Lock()
	hold := s.hold
	if grant == "refresh_token" {
		s.hold = nil
	} else {
		hold = nil
	}
	after := s.after
	s.mu.Unlock()
	wait := func() bool {
		if hold == nil {
			return true
		}
		s.entered <- struct{}{}
		select {
		case <-hold:
			return true
		case <-r.Context().Done():
			return false
		}
	}
	if !after && !wait() {
		return
	}
	rec := httptest.NewRecorder()
	s.next.ServeHTTP(rec, r)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if rec.Code == http.StatusOK && json.Unmarshal(rec.Body.Bytes(), &tok) == nil {
		s.mu.Lock()
		s.issued[grant] = append(s.issued[grant], tok.AccessToken)
		s.mu.Unlock()
	}
	if after && !wait() {
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// forEachReauthorizationEnd runs test for both ends of a re-authorization:
// the consent finish (confirm false) and Validate Connection (true).
func forEachReauthorizationEnd(t *testing.T, test func(t *testing.T, confirm bool)) {
	for _, confirm := range []bool{false, true} {
		name := "consent finish"
		if confirm {
			name = "validate connection"
		}
		t.Run(name, func(t *testing.T) { test(t, confirm) })
	}
}

// newSlowTokens is a slowTokenEndpoint in front of e's fake provider, on a
// test server of its own (after: hold a refresh after the fake answered).
func newSlowTokens(t *testing.T, e *env, after bool) *slowTokenEndpoint {
	t.Helper()
	tokens := &slowTokenEndpoint{next: e.fake.Handler(), after: after, entered: make(chan struct{}, 1), issued: map[string][]string{}}
	srv := httptest.NewServer(tokens)
	t.Cleanup(srv.Close)
	tokens.url = srv.URL
	return tokens
}

// connectBehind connects an OAuth connection by consent with its
// authorize, token and userinfo endpoints (and with revoke its revocation
// endpoint) behind tokens, and returns the connection's id.
func connectBehind(t *testing.T, e *env, tokens *slowTokenEndpoint, revoke bool) string {
	t.Helper()
	d := e.oauthDraft()
	for _, k := range []string{"authorizeUrl", "tokenUrl", "userinfoUrl"} {
		d.Config[k] = strings.Replace(d.Config[k], e.url, tokens.url, 1)
	}
	if revoke {
		d.Config["revocationUrl"] = tokens.url + "/oauth/revoke"
	}
	st, err := e.svc.StartConsent(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if status, _, err := fakes.Browse(st.AuthURL, "approve", nil); err != nil || status != http.StatusOK {
		t.Fatalf("connect: %d %v", status, err)
	}
	if st = waitConsent(t, e, st.ID); st.State != domain.ConsentDone {
		t.Fatalf("connect: %+v", st)
	}
	return st.ConnectionID
}

// holdARefresh starts a refresh of id's token whose token request tokens
// holds, and returns once it reached the endpoint (within 10 s): release
// lets it go on, refreshed then gets its error.
func holdARefresh(t *testing.T, e *env, tokens *slowTokenEndpoint, id string) (release func(), refreshed <-chan error) {
	t.Helper()
	release = tokens.holdNextRefresh()
	t.Cleanup(release)
	done := make(chan error, 1)
	go func() {
		_, err := e.svc.RefreshCredential(context.Background(), id)
		done <- err
	}()
	select {
	case <-tokens.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the refresh did not reach the token endpoint within 10 s")
	}
	return release, done
}

// holdNextRefresh makes the next refresh grant wait until release is called.
func (s *slowTokenEndpoint) holdNextRefresh() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.hold = ch
	s.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

func (s *slowTokenEndpoint) last(grant string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if list := s.issued[grant]; len(list) > 0 {
		return list[len(list)-1]
	}
	return ""
}

// watchedSecrets is a secret store that reports the access token of every
// OAuth token saved in it.
type watchedSecrets struct {
	secrets.Store
	saved chan string
}

func (w *watchedSecrets) Set(ctx context.Context, key, value string) error {
	err := w.Store.Set(ctx, key, value)
	if strings.HasPrefix(key, "oauth-token/") {
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.Unmarshal([]byte(value), &tok)
		select {
		case w.saved <- tok.AccessToken:
		default:
		}
	}
	return err
}

// logSignal is a log handler that signals each record with message msg.
type logSignal struct {
	msg string
	ch  chan struct{}
}

func (l *logSignal) Enabled(context.Context, slog.Level) bool { return true }
func (l *logSignal) Handle(_ context.Context, r slog.Record) error {
	if r.Message == l.msg {
		select {
		case l.ch <- struct{}{}:
		default:
		}
	}
	return nil
}
func (l *logSignal) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logSignal) WithGroup(string) slog.Handler      { return l }

// TestReauthorizationWinsOverARefreshInFlight: a refresh of the old token is
// held open at the token endpoint while the user reauthorizes the connection
// (the consent's finish, and Validate Connection after a confirmed consent).
// The new token must not be saved while the refresh is in flight (it waits
// for the refresh's per-connection lock, and says so in the log); when the
// refresh ends, the new token is saved after it. Afterwards the stored token
// is the reauthorized grant's and the connection's secret version is the
// one the reauthorization wrote, so nothing the old grant's refresh did
// survives it.
func TestReauthorizationWinsOverARefreshInFlight(t *testing.T) {
	forEachReauthorizationEnd(t, reauthorizeDuringRefresh)
}

func reauthorizeDuringRefresh(t *testing.T, confirm bool) {
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	sec := &watchedSecrets{Store: secrets.NewMemory(), saved: make(chan string, 16)}
	waiting := make(chan struct{}, 1)
	e := newEnvOptions(t, sec, func(string) *providers.Catalogue { return cat }, 5*time.Second, func(o *service.Options) {
		o.Log = slog.New(&logSignal{msg: oauth.ReplaceWaitsMessage, ch: waiting})
	})
	tokens := newSlowTokens(t, e, false)
	ctx := context.Background()
	connID := connectBehind(t, e, tokens, false)
	before, err := e.store.GetConnection(ctx, connID)
	if err != nil {
		t.Fatal(err)
	}
	drain(sec.saved)

	// A refresh of the old token is in flight.
	release, refreshed := holdARefresh(t, e, tokens, before.ID)

	// The user reauthorizes meanwhile.
	reauthorized := make(chan error, 1)
	st, err := e.svc.ReauthorizeConnection(ctx, before.ID, domain.ReauthorizeDraft{Confirm: confirm})
	if err != nil {
		t.Fatal(err)
	}
	if confirm {
		if status, _, err := fakes.Browse(st.AuthURL, "approve", nil); err != nil || status != http.StatusOK {
			t.Fatalf("reauthorize: %d %v", status, err)
		}
		if got := waitConsent(t, e, st.ID); got.State != domain.ConsentAuthorized {
			t.Fatalf("reauthorize: %+v", got)
		}
		go func() {
			_, err := e.svc.CompleteConsent(ctx, st.ID)
			reauthorized <- err
		}()
	} else {
		go func() {
			_, _, err := fakes.Browse(st.AuthURL, "approve", nil) // the tab waits for the finish
			reauthorized <- err
		}()
	}
	select {
	case tok := <-sec.saved:
		// Saved while the old token's refresh is still open: the refresh
		// will overwrite it when it ends.
		t.Errorf("the reauthorized token (…%s) was saved while a refresh of the old token was in flight", tail(tok))
	case <-waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("the reauthorization neither saved its token nor waited for the refresh within 10 s")
	}
	release()
	for name, ch := range map[string]<-chan error{"refresh": refreshed, "reauthorization": reauthorized} {
		select {
		case err := <-ch:
			if err != nil && name == "reauthorization" {
				t.Fatalf("%s: %v", name, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("the %s did not finish within 20 s", name)
		}
	}
	if !confirm {
		if got := waitConsent(t, e, st.ID); got.State != domain.ConsentDone {
			t.Fatalf("reauthorize: %+v", got)
		}
	}
	newToken := tokens.last("authorization_code")
	stored, err := (oauth.SecretTokens{Secrets: sec.Store}).LoadToken(ctx, "oauth-token/"+before.ID)
	if err != nil {
		t.Fatal(err)
	}
	after, err := e.store.GetConnection(ctx, before.ID)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case stored.AccessToken != newToken:
		t.Fatalf("stored token …%s, want the reauthorized …%s (the old token's refresh …%s overwrote it)", tail(stored.AccessToken), tail(newToken), tail(tokens.last("refresh_token")))
	case after.SecretVersion != before.SecretVersion+1:
		t.Fatalf("secret version %d, want %d (the reauthorization's)", after.SecretVersion, before.SecretVersion+1)
	case after.Status != domain.StatusActive || after.SecretHint != domain.MaskSecret(newToken):
		t.Fatalf("after: status %s, hint %q (want active, %q)", after.Status, after.SecretHint, domain.MaskSecret(newToken))
	}
	// The connection goes on with the new grant.
	if c, err := e.svc.RefreshCredential(ctx, before.ID); err != nil || c.Status != domain.StatusActive {
		t.Fatalf("refresh of the new grant: %+v %v", c, err)
	}
}

func drain(ch chan string) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

func tail(s string) string {
	if len(s) < 6 {
		return s
	}
	return s[len(s)-6:]
}
