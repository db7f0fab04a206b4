package service_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/oauth"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
	"patchbay/backend/store"
)

// syncBuffer is a log sink the test scans for secrets.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Conformance against an independent OpenID Provider (zitadel/oidc pkg/op,
// in process), shaped like issue 12's server: Generic OAuth 2.0 connects
// with nothing but the issuer, client id, secret and scopes, and the whole
// life of the connection holds.
func TestConformanceZitadelOP(t *testing.T) {
	z := newZitadelOP(t)
	ctx := context.Background()
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "patchbay.db")
	st, err := store.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sec, err := secrets.NewFile(filepath.Join(dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	clk := newClock()
	v := providers.NewValidator() // default timeouts: this test must not depend on the machine's load
	svc := service.New(service.Options{Store: st, Secrets: sec, Catalogue: cat, Validator: v, Now: clk.Now, LockDir: dir,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err := svc.EnsureDefaultWorkspace(ctx); err != nil {
		t.Fatal(err)
	}
	ws, _ := svc.ListWorkspaces(ctx)
	waitFor := func(id string) domain.ConsentStatus {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			cs, err := svc.GetConsent(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if cs.State != domain.ConsentPending {
				return cs
			}
		}
		t.Fatal("the consent did not finish within 30 s")
		return domain.ConsentStatus{}
	}
	tokenOf := func(c domain.Connection) string {
		tok, err := (oauth.SecretTokens{Secrets: sec}).LoadToken(ctx, "oauth-token/"+c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	var seen []string // every token and secret, for the byte scan
	remember := func(c domain.Connection) {
		tok, err := (oauth.SecretTokens{Secrets: sec}).LoadToken(ctx, "oauth-token/"+c.ID)
		if err == nil {
			seen = append(seen, tok.AccessToken, tok.RefreshToken)
		}
	}

	// Connect: issuer discovery only.
	cs, err := svc.StartConsent(ctx, domain.ConnectionDraft{Provider: "generic_oauth2", AuthMode: "oauth2", Label: "Zitadel", WorkspaceIDs: []string{ws[0].ID},
		Config:  map[string]string{"issuer": z.issuer, "clientId": zitadelClientID, "scopes": "openid offline_access"},
		Secrets: map[string]string{"clientSecret": zitadelClientSecret}})
	if err != nil {
		t.Fatalf("start consent: %v", err)
	}
	status, page := z.login(t, cs.AuthURL)
	if cs = waitFor(cs.ID); cs.State != domain.ConsentDone || status != 200 || !strings.Contains(page, "Patchbay is connected") {
		t.Fatalf("consent: %+v; browser %d %q", cs, status, page)
	}
	c, _ := svc.GetConnection(ctx, cs.ConnectionID)
	if c.Status != domain.StatusActive || c.Identity != "1" || c.Config["tokenUrl"] != z.issuer+"/token/" || c.Config["userinfoUrl"] != z.issuer+"/userinfo/" || c.Config["revocationUrl"] != z.issuer+"/revoke/" {
		t.Fatalf("connected: %s %q %v", c.Status, c.Identity, c.Config)
	}
	remember(c)

	// Check; then past half the token's lifetime (5 minutes at this OP), 20
	// concurrent checks: exactly one refresh, the rotated token saved, all
	// succeed, the status stays active.
	if c, err = svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusActive {
		t.Fatalf("check: %v %+v", err, c.LastError)
	}
	before := tokenOf(c)
	clk.Advance(151 * time.Second)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := svc.CheckConnection(ctx, c.ID)
			if err != nil || got.Status != domain.StatusActive || got.LastError != nil {
				t.Errorf("concurrent check: %v %s %+v", err, got.Status, got.LastError)
			}
		}()
	}
	wg.Wait()
	if n := z.refreshes.Load(); n != 1 || tokenOf(c) == before {
		t.Fatalf("%d refreshes for 20 concurrent checks (want 1), rotated token saved: %v", n, tokenOf(c) != before)
	}
	remember(c)

	// The user revokes the app at the server: the next check needs reconnecting.
	tok, _ := (oauth.SecretTokens{Secrets: sec}).LoadToken(ctx, "oauth-token/"+c.ID)
	z.revoke(t, tok.RefreshToken)
	z.revoke(t, tok.AccessToken)
	if c, err = svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusError || c.StatusDescription != "Reconnection needed." {
		t.Fatalf("after revocation at the server: %v %s %+v", err, c.Status, c.LastError)
	}
	if notes, _ := svc.ListNotifications(ctx, 10); len(notes) != 1 || notes[0].Severity != domain.SeverityCritical {
		t.Fatalf("bell: %+v", notes)
	}
	if b, _ := svc.GetBanner(ctx); b.Count == 0 {
		t.Fatalf("no banner: %+v", b)
	}
	if _, err := svc.RefreshCredential(ctx, c.ID); domain.ErrorCode(err) != domain.EInvalid || err.Error() != domain.ErrCannotRefresh {
		t.Fatalf("refresh of a revoked grant: %v", err)
	}

	// Reauthorize with the existing credentials, then with a second client.
	for _, d := range []domain.ReauthorizeDraft{{}, {ClientID: zitadelClient2ID, ClientSecret: zitadelClient2Secret}} {
		cs, err = svc.ReauthorizeConnection(ctx, c.ID, d)
		if err != nil {
			t.Fatal(err)
		}
		status, page = z.login(t, cs.AuthURL)
		if cs = waitFor(cs.ID); cs.State != domain.ConsentDone || !strings.Contains(page, "Patchbay is connected") {
			t.Fatalf("reauthorize %+v: %+v %d %q", d, cs, status, page)
		}
		if c, err = svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusActive {
			t.Fatalf("after reauthorize %+v: %v %+v", d, err, c.LastError)
		}
		remember(c)
	}
	if c.Config["clientId"] != zitadelClient2ID {
		t.Fatalf("client id %q", c.Config["clientId"])
	}

	// Disconnect: the server's introspection says the token is inactive.
	last := tokenOf(c)
	if !z.active(t, last, zitadelClient2ID, zitadelClient2Secret) {
		t.Fatal("the OP's introspection does not know the live token (the check below would prove nothing)")
	}
	if c, err = svc.DisconnectConnection(ctx, c.ID); err != nil || c.Status != domain.StatusRevoked || !strings.Contains(c.LastError.Message, "The provider revoked the tokens") {
		t.Fatalf("disconnect: %v %s %+v", err, c.Status, c.LastError)
	}
	if z.active(t, last, zitadelClient2ID, zitadelClient2Secret) {
		t.Fatal("the token is still active at the OP after Disconnect")
	}

	// No token or client secret in SQLite or the logs.
	seen = append(seen, zitadelClientSecret, zitadelClient2Secret)
	st.Close()
	for _, s := range seen {
		if s == "" {
			continue
		}
		assertNotInFiles(t, dbPath, s)
		if strings.Contains(logs.String(), s) {
			t.Fatalf("a secret reached the logs")
		}
	}
	if _, err := os.Stat(dbPath); err != nil {
		t.Fatal(err)
	}
}

// A server without a userinfo endpoint (issue 12): the connection is checked
// by token introspection (RFC 7662) when the server offers it, else by the
// ID token's signature (the issuer's JWKS), issuer and audience.
func TestZitadelWithoutUserinfo(t *testing.T) {
	for _, tt := range []struct {
		name        string
		hide        []string
		introspects bool
	}{
		{"introspection", []string{"userinfo_endpoint"}, true},
		{"ID token", []string{"userinfo_endpoint", "introspection_endpoint"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			z := newZitadelOP(t, tt.hide...)
			cat, err := providers.Load()
			if err != nil {
				t.Fatal(err)
			}
			// The validator's default timeout: no dependence on the machine's load.
			e := newEnvTimeout(t, secrets.NewMemory(), func(string) *providers.Catalogue { return cat }, providers.DefaultTimeout)
			ctx := context.Background()
			cs, err := e.svc.StartConsent(ctx, domain.ConnectionDraft{Provider: "generic_oauth2", AuthMode: "oauth2", Label: "No userinfo", WorkspaceIDs: []string{e.ws.ID},
				Config:  map[string]string{"issuer": z.issuer, "clientId": zitadelClientID, "scopes": "openid offline_access"},
				Secrets: map[string]string{"clientSecret": zitadelClientSecret}})
			if err != nil {
				t.Fatalf("start: %v", err)
			}
			status, page := z.login(t, cs.AuthURL)
			if cs = waitConsent(t, e, cs.ID); cs.State != domain.ConsentDone {
				t.Fatalf("consent %+v; browser %d %q", cs, status, page)
			}
			c, _ := e.svc.GetConnection(ctx, cs.ConnectionID)
			// With no userinfo, the identity "1" can only come from the
			// introspection answer or the verified ID token.
			if c.Status != domain.StatusActive || c.Identity != "1" || c.Config["userinfoUrl"] != "" || (c.Config["introspectionUrl"] != "") != tt.introspects {
				t.Fatalf("connected: %s %q %v %+v", c.Status, c.Identity, c.Config, c.LastError)
			}
			// A refresh keeps the ID token (or a new one) and the checks pass.
			if c, err = e.svc.RefreshCredential(ctx, c.ID); err != nil || c.Status != domain.StatusActive {
				t.Fatalf("refresh: %v %+v", err, c.LastError)
			}
			// Revoked at the server: introspection says inactive -> error;
			// the ID token path notices when the refresh is refused.
			tok := storedToken(t, e, c)
			z.revoke(t, tok.RefreshToken)
			z.revoke(t, tok.AccessToken)
			if tt.name == "ID token" {
				e.clock.Advance(10 * time.Minute) // past the access token's life: the refresh is refused
			}
			if c, err = e.svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusError {
				t.Fatalf("after revocation: %v %s %+v", err, c.Status, c.LastError)
			}
		})
	}
}
