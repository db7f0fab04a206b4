package service_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/fakes"
	"patchbay/backend/health"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
)

// waitConsent waits for a consent to finish.
func waitConsent(t *testing.T, e *env, id string) domain.ConsentStatus {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		st, err := e.svc.GetConsent(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if st.State != domain.ConsentPending {
			return st
		}
	}
	t.Fatal("consent did not finish")
	return domain.ConsentStatus{}
}

// approveIn returns what the user does with a consent a start returned
// (st, err): approve it in the browser; the consent as it ends.
// Use: approveIn(t, e)(e.svc.StartConsent(ctx, d)).
func approveIn(t *testing.T, e *env) func(domain.ConsentStatus, error) domain.ConsentStatus {
	return func(st domain.ConsentStatus, err error) domain.ConsentStatus {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := fakes.Browse(st.AuthURL, "approve", nil); err != nil {
			t.Fatal(err)
		}
		return waitConsent(t, e, st.ID)
	}
}

// connectByConsent connects d by a consent the user approves; the consent,
// done.
func connectByConsent(t *testing.T, e *env, d domain.ConnectionDraft) domain.ConsentStatus {
	t.Helper()
	st := approveIn(t, e)(e.svc.StartConsent(context.Background(), d))
	if st.State != domain.ConsentDone {
		t.Fatalf("consent %+v", st)
	}
	return st
}

// issuerDraft is oauthDraft by OpenID Connect discovery of the fake's issuer.
func (e *env) issuerDraft() domain.ConnectionDraft {
	d := e.oauthDraft()
	d.Config = map[string]string{"issuer": e.url + "/oauth", "clientId": fakes.OAuthClientID, "scopes": "openid email offline_access"}
	return d
}

func (e *env) oauthDraft() domain.ConnectionDraft {
	return domain.ConnectionDraft{Provider: "generic_oauth2", AuthMode: "oauth2", Label: "Demo OAuth", WorkspaceIDs: []string{e.ws.ID},
		Config: map[string]string{"authorizeUrl": e.url + "/oauth/authorize", "tokenUrl": e.url + "/oauth/token",
			"userinfoUrl": e.url + "/oauth/userinfo", "clientId": fakes.OAuthClientID, "scopes": "openid email offline_access"},
		Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}}
}

func TestOAuthConnectionLifecycle(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	events, stop := e.svc.Bus().Subscribe()
	defer stop()

	// Connect by consent.
	st, err := e.svc.StartConsent(ctx, e.oauthDraft())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(st.AuthURL, "code_challenge=") || st.State != domain.ConsentPending {
		t.Fatalf("start: %+v", st)
	}
	if status, page, err := fakes.Browse(st.AuthURL, "approve", nil); err != nil || status != 200 || !strings.Contains(page, "close this tab") {
		t.Fatalf("browser: %d %q %v", status, page, err)
	}
	st = waitConsent(t, e, st.ID)
	if st.State != domain.ConsentDone || st.ConnectionID == "" {
		t.Fatalf("consent: %+v", st)
	}
	c, _ := e.svc.GetConnection(ctx, st.ConnectionID)
	if c.Status != domain.StatusActive || c.Identity != "demo-user@example.com" || c.TokenExpiresAt == nil {
		t.Fatalf("connection: %+v", c)
	}
	sawConsentEvent(t, events, st.ID)

	// A forced refresh rotates the token; the connection stays active.
	if c, err = e.svc.RefreshCredential(ctx, c.ID); err != nil || c.Status != domain.StatusActive {
		t.Fatalf("refresh: %+v %v", c, err)
	}
	if e.fake.OAuth.Refreshes() != 1 {
		t.Fatalf("%d refreshes", e.fake.OAuth.Refreshes())
	}

	// The user revokes the app at the provider: the next refresh fails
	// permanently, the connection needs reconnecting, refresh is refused.
	e.fake.OAuth.RevokeAll()
	if _, err := e.svc.RefreshCredential(ctx, c.ID); err == nil || err.Error() != domain.ErrCannotRefresh {
		t.Fatalf("refresh of a revoked grant: %v", err)
	}
	c, _ = e.svc.GetConnection(ctx, c.ID)
	if c.Status != domain.StatusError || c.StatusDescription != "Reconnection needed." || c.LastError.Class != domain.ClassRevoked {
		t.Fatalf("after revoke: %+v", c)
	}
	if _, err := e.svc.RefreshCredential(ctx, c.ID); domain.ErrorCode(err) != domain.EInvalid || err.Error() != domain.ErrCannotRefresh {
		t.Fatalf("refresh of a broken connection: %v", err)
	}

	// Reauthorize with new credentials that are wrong: nothing changes.
	st, err = e.svc.ReauthorizeConnection(ctx, c.ID, domain.ReauthorizeDraft{ClientID: fakes.OAuthClientID, ClientSecret: "wrong-secret"})
	if err != nil {
		t.Fatal(err)
	}
	fakes.Browse(st.AuthURL, "approve", nil)
	if st = waitConsent(t, e, st.ID); st.State != domain.ConsentFailed || !strings.Contains(st.Message, "invalid_client") {
		t.Fatalf("bad client: %+v", st)
	}
	if got, _ := e.svc.GetConnection(ctx, c.ID); got.Status != domain.StatusError {
		t.Fatalf("a failed reauthorization changed the connection: %+v", got)
	}

	// Declining at the provider says so.
	st, _ = e.svc.ReauthorizeConnection(ctx, c.ID, domain.ReauthorizeDraft{})
	fakes.Browse(st.AuthURL, "deny", nil)
	if st = waitConsent(t, e, st.ID); st.State != domain.ConsentFailed || !strings.Contains(st.Message, "declined") {
		t.Fatalf("deny: %+v", st)
	}

	// Reauthorize with existing credentials: active again.
	st, _ = e.svc.ReauthorizeConnection(ctx, c.ID, domain.ReauthorizeDraft{})
	fakes.Browse(st.AuthURL, "approve", nil)
	if st = waitConsent(t, e, st.ID); st.State != domain.ConsentDone {
		t.Fatalf("reauthorize: %+v", st)
	}
	if c, _ = e.svc.CheckConnection(ctx, c.ID); c.Status != domain.StatusActive || c.LastError != nil {
		t.Fatalf("after reauthorize: %+v", c)
	}

	// Cancel a pending consent.
	st, _ = e.svc.ReauthorizeConnection(ctx, c.ID, domain.ReauthorizeDraft{})
	if err := e.svc.CancelConsent(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	if st = waitConsent(t, e, st.ID); st.State != domain.ConsentCancelled {
		t.Fatalf("cancel: %+v", st)
	}
	assertNotInFiles(t, e.dbPath, fakes.OAuthClientSecret)
}

func sawConsentEvent(t *testing.T, ch <-chan events.Event, id string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ref, ok := ev.Payload.(events.ConsentRef); ok && ref.ID == id {
				return
			}
		case <-timeout:
			t.Fatal("no consent:changed event")
		}
	}
}

func TestTokenModesRefuseConsentAndViceVersa(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	if _, err := e.svc.ValidateDraft(ctx, e.oauthDraft()); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "consent") {
		t.Fatalf("validate of a consent mode: %v", err)
	}
	if _, err := e.svc.StartConsent(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate)); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("consent of a token mode: %v", err)
	}
	c, _ := e.svc.CreateConnection(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate))
	if _, err := e.svc.RefreshCredential(ctx, c.ID); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "Re-Authenticate") {
		t.Fatalf("refresh of a token connection: %v", err)
	}
}

func TestBellFollowsConnections(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	const key = "demo-key-bell-0000000001"
	e.fake.SetKey(key, true)
	c, _ := e.svc.CreateConnection(ctx, e.draft(key, fakes.GenericValidate))
	e.fake.SetKey(key, false)
	for i := 0; i < 3; i++ {
		e.svc.CheckConnection(ctx, c.ID)
	}
	b, _ := e.svc.GetBanner(ctx)
	list, _ := e.svc.ListNotifications(ctx, 10)
	if b.Text != "A connection needs to be reauthorized" || b.LinkTitle != "Generic API key reauth required" || b.ConnectionID != c.ID || len(list) != 1 {
		t.Fatalf("banner %+v notifications %d", b, len(list))
	}
	e.fake.SetKey(key, true)
	e.svc.CheckConnection(ctx, c.ID)
	if b, _ = e.svc.GetBanner(ctx); b.Text != "" {
		t.Fatalf("banner not cleared after recovery: %+v", b)
	}
	if list, _ = e.svc.ListNotifications(ctx, 10); list[0].ResolvedAt == nil {
		t.Fatal("notification not resolved")
	}
}

func TestCheckAllNow(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	ch, stop := e.svc.Bus().Subscribe()
	defer stop()
	for _, k := range []string{"sweep-key-00000001", "sweep-key-00000002", "sweep-key-00000003"} {
		e.fake.SetKey(k, true)
		if _, err := e.svc.CreateConnection(ctx, e.draft(k, fakes.GenericValidate)); err != nil {
			t.Fatal(err)
		}
	}
	e.fake.SetKey("sweep-key-00000002", false)
	if _, err := e.svc.StartSweep(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ev.Topic != events.SweepProgress {
				continue
			}
			if p := ev.Payload.(health.Progress); !p.Running {
				if p.Done != 3 || p.Failures != 1 || p.Total != 3 {
					t.Fatalf("final progress %+v", p)
				}
				if b, _ := e.svc.GetBanner(ctx); b.Count != 1 {
					t.Fatalf("banner after sweep: %+v", b)
				}
				return
			}
		case <-deadline:
			t.Fatal("sweep did not finish")
		}
	}
}

func TestOverviewAndOffline(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	ok, _ := e.svc.CreateConnection(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate))
	const key = "overview-key-00000001"
	e.fake.SetKey(key, true)
	bad, _ := e.svc.CreateConnection(ctx, e.draft(key, fakes.GenericValidate))
	e.fake.SetKey(key, false)
	e.svc.CheckConnection(ctx, bad.ID)
	if up, err := e.svc.GetUptime(ctx, ok.ID); err != nil || up.H24.Checks != 1 || up.D30.Percent != 100 {
		t.Fatalf("uptime %+v %v", up, err)
	}
	o, err := e.svc.GetHealthOverview(ctx)
	if err != nil || o.ByStatus["active"] != 1 || o.ByStatus["error"] != 1 || o.ByProvider["Generic API key"] != 2 || len(o.Attention) != 1 || o.Attention[0].ID != bad.ID || o.Offline {
		t.Fatalf("overview %+v %v", o, err)
	}
	// Every provider unreachable: a sweep marks the app offline.
	for _, id := range []string{ok.ID, bad.ID} {
		c, _ := e.svc.GetConnection(ctx, id)
		c.BaseURL = "http://127.0.0.1:1"
		if err := e.store.UpdateConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	e.svc.StartSweep(ctx)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if o, _ = e.svc.GetHealthOverview(ctx); o.Offline {
			return
		}
	}
	t.Fatalf("not offline after a sweep that reached nothing: %+v", o)
}

func TestConsentRedirectRules(t *testing.T) {
	cat, _ := providers.Load()
	e := newEnvWith(t, secrets.NewMemory(), cat.AllSelfHosted())
	ctx := context.Background()
	draft := func(provider string, config map[string]string) domain.ConnectionDraft {
		cfg := map[string]string{"clientId": fakes.OAuthClientID}
		for k, v := range config {
			cfg[k] = v
		}
		return domain.ConnectionDraft{Provider: provider, AuthMode: "oauth2", Label: "OAuth " + provider, WorkspaceIDs: []string{e.ws.ID},
			BaseURL: e.url, Config: cfg, Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}}
	}
	p := freePort(t)
	tests := []struct {
		name      string
		draft     domain.ConnectionDraft
		wantField string
		wantURI   string
	}{
		{"any port: random loopback", draft("generic_oauth2", map[string]string{"authorizeUrl": e.url + "/oauth/authorize", "tokenUrl": e.url + "/oauth/token", "userinfoUrl": e.url + "/oauth/userinfo"}), "", "http://127.0.0.1:"},
		{"exact: a port is required", draft("gitlab", nil), "redirectPort", ""},
		{"exact: port out of range", draft("gitlab", map[string]string{"redirectPort": "80"}), "redirectPort", ""},
		{"exact: the pinned URI", draft("gitlab", map[string]string{"redirectPort": p}), "", "http://127.0.0.1:" + p + "/callback"},
		{"https: a registered URI is required", draft("slack", map[string]string{"redirectPort": p}), "redirectUri", ""},
		{"https: plain http refused", draft("slack", map[string]string{"redirectPort": p, "redirectUri": "http://example.com/cb"}), "redirectUri", ""},
		{"https: the registered URI", draft("slack", map[string]string{"redirectPort": p, "redirectUri": "https://relay.example.com/patchbay"}), "", "https://relay.example.com/patchbay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := e.svc.StartConsent(ctx, tt.draft)
			if tt.wantField != "" {
				if de := domain.Public(err); err == nil || de.Field != tt.wantField {
					t.Fatalf("err %v, want a message on %s", err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = e.svc.CancelConsent(ctx, st.ID); waitConsent(t, e, st.ID) }()
			if !strings.HasPrefix(st.RedirectURI, tt.wantURI) || !strings.Contains(st.AuthURL, url.QueryEscape(st.RedirectURI)) {
				t.Fatalf("redirect %q (auth %s), want %q", st.RedirectURI, st.AuthURL, tt.wantURI)
			}
		})
	}
}

func TestConnectByOpenIDConnectDiscovery(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	d := e.oauthDraft()
	for _, k := range []string{"authorizeUrl", "tokenUrl", "userinfoUrl"} {
		delete(d.Config, k)
	}
	if _, err := e.svc.StartConsent(ctx, d); domain.Public(err).Field != "authorizeUrl" {
		t.Fatalf("no URLs and no issuer: %v", err)
	}
	d.Config["issuer"] = e.url + "/oauth"
	st, err := e.svc.StartConsent(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(st.AuthURL, e.url+"/oauth/authorize?") {
		t.Fatalf("authorize URL %s", st.AuthURL)
	}
	if _, _, err := fakes.Browse(st.AuthURL, "approve", nil); err != nil {
		t.Fatal(err)
	}
	if st = waitConsent(t, e, st.ID); st.State != domain.ConsentDone {
		t.Fatalf("consent %+v", st)
	}
	c, _ := e.svc.GetConnection(ctx, st.ConnectionID)
	if c.Status != domain.StatusActive || c.Config["tokenUrl"] != e.url+"/oauth/token" || c.Config["userinfoUrl"] != e.url+"/oauth/userinfo" {
		t.Fatalf("connection %+v", c)
	}
	// The discovered token endpoint keeps working for refreshes, with the
	// one client authentication the metadata lists (the fake's discovery
	// document names only client_secret_post): the code exchange and the
	// refresh both sent the secret in the body, once each.
	if _, err := e.svc.RefreshCredential(ctx, c.ID); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if c.Config[providers.ConfigTokenAuth] != providers.TokenAuthPost {
		t.Fatalf("recorded client authentication %q, want the discovered %s", c.Config[providers.ConfigTokenAuth], providers.TokenAuthPost)
	}
	calls := e.fake.OAuth.TokenCalls()
	if len(calls) != 2 || calls[0].Grant != "authorization_code" || calls[1].Grant != "refresh_token" || calls[0].Auth != "post" || calls[1].Auth != "post" {
		t.Fatalf("token requests %+v, want the code exchange and the refresh, each once in the body", calls)
	}
}

// The browser tab tells the truth (issue 12): "connected" only once the
// connection exists; a declined consent, a failed validation or a
// validation that timed out shows the app's message and says to return to
// Patchbay, and nothing is created.
func TestConsentPageTellsTheTruth(t *testing.T) {
	tests := []struct {
		name, decision, userinfo string
		wantStatus               int
		wantPage                 []string
		wantState                string
	}{
		{"success", "approve", "/oauth/userinfo", 200, []string{"Patchbay is connected"}, domain.ConsentDone},
		{"provider error access_denied", "deny", "/oauth/userinfo", 400, []string{"You declined access", "Return to Patchbay"}, domain.ConsentFailed},
		{"validation fails", "approve", "/nope", 400, []string{"could not connect", "not found (HTTP 404)", "Nothing was changed", "Return to Patchbay"}, domain.ConsentFailed},
		{"validation times out", "approve", "/generic/v1/hang", 400, []string{"could not connect", "did not answer within", "Return to Patchbay"}, domain.ConsentFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, secrets.NewMemory())
			ctx := context.Background()
			d := e.oauthDraft()
			d.Config["userinfoUrl"] = e.url + tt.userinfo
			st, err := e.svc.StartConsent(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			status, page, err := fakes.Browse(st.AuthURL, tt.decision, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The page was written after the outcome was known: the
			// connection already exists (or does not) when the tab shows it.
			conns, _ := e.svc.ListConnections(ctx)
			if status != tt.wantStatus {
				t.Fatalf("status %d, page %q", status, page)
			}
			for _, w := range tt.wantPage {
				if !strings.Contains(page, w) {
					t.Fatalf("page %q lacks %q", page, w)
				}
			}
			if (tt.wantState == domain.ConsentDone) != (len(conns) == 1) || strings.Contains(page, "is connected") != (tt.wantState == domain.ConsentDone) {
				t.Fatalf("page %q with %d connections", page, len(conns))
			}
			got := waitConsent(t, e, st.ID)
			if got.State != tt.wantState {
				t.Fatalf("consent %+v", got)
			}
			if tt.wantState == domain.ConsentFailed && !strings.Contains(page, htmlText(got.Message)) {
				t.Fatalf("the tab and the app disagree: page %q, app %q", page, got.Message)
			}
		})
	}
}

// htmlText escapes s as the consent page does.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}

// OpenID Connect Core 1.0 section 11: a generic OpenID consent that asks for
// offline_access sends prompt=consent (oidc-provider issues no refresh token
// without it); one that does not ask for it sends no prompt.
func TestOfflineAccessAsksForConsent(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	for scopes, want := range map[string]bool{"openid email offline_access": true, "openid email": false} {
		d := e.oauthDraft()
		d.Config["scopes"] = scopes
		st, err := e.svc.StartConsent(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(st.AuthURL)
		if got := u.Query().Get("prompt") == "consent"; got != want {
			t.Errorf("scopes %q: authorize URL %s", scopes, st.AuthURL)
		}
		_ = e.svc.CancelConsent(ctx, st.ID)
	}
}
