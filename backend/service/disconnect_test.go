package service_test

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"patchbay/backend/domain"

	"patchbay/backend/fakes"
	"patchbay/backend/oauth"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
)

// Disconnect revokes the tokens at the provider (RFC 7009, the endpoint from
// discovery) and keeps the connection as revoked with its history; checks
// leave it alone; reauthorizing brings it back to active.
func TestDisconnectRevokesAndKeepsTheConnection(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	st := connectByConsent(t, e, e.issuerDraft())
	c, _ := e.svc.GetConnection(ctx, st.ConnectionID)
	if c.Config["revocationUrl"] != e.url+"/oauth/revoke" {
		t.Fatalf("revocation endpoint not discovered: %v", c.Config)
	}
	tok := storedToken(t, e, c)
	history, _ := e.svc.ListChecks(ctx, c.ID, 100)

	c, err := e.svc.DisconnectConnection(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != domain.StatusRevoked || c.StatusDescription != "Disconnected." || !strings.Contains(c.LastError.Message, "The provider revoked the tokens") {
		t.Fatalf("after disconnect: %s %q %+v", c.Status, c.StatusDescription, c.LastError)
	}
	if e.fake.OAuth.ValidAccess(tok.AccessToken) || e.fake.OAuth.Revocations() == 0 {
		t.Fatal("the provider still accepts the access token")
	}
	if after, _ := e.svc.ListChecks(ctx, c.ID, 100); len(after) != len(history)+1 {
		t.Fatalf("history %d -> %d", len(history), len(after))
	}
	if got, err := e.svc.CheckConnection(ctx, c.ID); err != nil || got.Status != domain.StatusRevoked {
		t.Fatalf("a check of a disconnected connection: %v %s", err, got.Status)
	}
	if _, err := e.svc.RefreshCredential(ctx, c.ID); err == nil || err.Error() != domain.ErrCannotRefresh {
		t.Fatalf("refresh of a disconnected connection: %v", err)
	}
	if notes, _ := e.svc.ListNotifications(ctx, 10); len(notes) != 0 {
		t.Fatalf("a disconnect raised %+v", notes)
	}

	// Reconnect with the existing OAuth client: active again.
	st, err = e.svc.ReauthorizeConnection(ctx, c.ID, domain.ReauthorizeDraft{})
	if err != nil {
		t.Fatal(err)
	}
	fakes.Browse(st.AuthURL, "approve", nil)
	if st = waitConsent(t, e, st.ID); st.State != domain.ConsentDone {
		t.Fatalf("reauthorize %+v", st)
	}
	if c, _ = e.svc.CheckConnection(ctx, c.ID); c.Status != domain.StatusActive {
		t.Fatalf("after reconnecting: %s %+v", c.Status, c.LastError)
	}
}

// When the provider refuses the revocation, Disconnect still disconnects
// and says so; Delete deletes and says so too.
func TestRevocationRefusedIsSaid(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	d := e.oauthDraft()
	d.Config["revocationUrl"] = e.url + "/oauth/revoke"
	st, _ := e.svc.StartConsent(ctx, d)
	fakes.Browse(st.AuthURL, "approve", nil)
	st = waitConsent(t, e, st.ID)
	e.fake.OAuth.RevokeFails = 400
	c, err := e.svc.DisconnectConnection(ctx, st.ConnectionID)
	if err != nil || c.Status != domain.StatusRevoked || !strings.Contains(c.LastError.Message, "refused to revoke") {
		t.Fatalf("disconnect with a refusing provider: %v %+v", err, c.LastError)
	}

	st, _ = e.svc.StartConsent(ctx, d)
	fakes.Browse(st.AuthURL, "approve", nil)
	st = waitConsent(t, e, st.ID)
	msg, err := e.svc.DeleteConnection(ctx, st.ConnectionID)
	if err != nil || !strings.Contains(msg, "Deleted.") || !strings.Contains(msg, "refused to revoke") {
		t.Fatalf("delete with a refusing provider: %q %v", msg, err)
	}
	e.fake.OAuth.RevokeFails = 0
	st, _ = e.svc.StartConsent(ctx, d)
	fakes.Browse(st.AuthURL, "approve", nil)
	st = waitConsent(t, e, st.ID)
	c, _ = e.svc.GetConnection(ctx, st.ConnectionID)
	tok := storedToken(t, e, c)
	if msg, err := e.svc.DeleteConnection(ctx, c.ID); err != nil || msg != "" || e.fake.OAuth.ValidAccess(tok.AccessToken) {
		t.Fatalf("delete: %q %v, token still valid: %v", msg, err, e.fake.OAuth.ValidAccess(tok.AccessToken))
	}
}

// storedToken reads a connection's OAuth token from the secret store.
func storedToken(t *testing.T, e *env, c domain.Connection) *oauth2.Token {
	t.Helper()
	tok, err := (oauth.SecretTokens{Secrets: e.secrets}).LoadToken(context.Background(), "oauth-token/"+c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Linked connections share one token: disconnecting Boards disconnects Repos
// and Pipelines too. Entra has no revocation endpoint in the catalogue, so
// the message says to remove the app's access at the provider.
func TestDisconnectLinkedGroup(t *testing.T) {
	cat, _ := providers.Load()
	e := newEnvWithURL(t, secrets.NewMemory(), func(url string) *providers.Catalogue { return cat.AllSelfHosted().WithCloudAt(url) })
	ctx := context.Background()
	st := connectByConsent(t, e, domain.ConnectionDraft{Provider: "azure_devops_boards", AuthMode: "oauth2", Label: "Contoso", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/ado/contoso", Config: map[string]string{"clientId": fakes.OAuthClientID, "tenant": fakes.EntraTenant}, Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}})
	c, err := e.svc.DisconnectConnection(ctx, st.ConnectionID)
	if err != nil || !strings.Contains(c.LastError.Message, "no revocation endpoint") {
		t.Fatalf("disconnect: %v %+v", err, c.LastError)
	}
	all, _ := e.svc.ListConnections(ctx)
	if len(all) != 3 {
		t.Fatalf("%d connections", len(all))
	}
	for _, x := range all {
		if x.Status != domain.StatusRevoked {
			t.Fatalf("%s is %s after disconnecting Boards", x.Label, x.Status)
		}
	}
	if _, err := e.svc.DisconnectConnection(ctx, all[1].ID); err != nil {
		t.Fatalf("disconnecting an already disconnected member: %v", err)
	}
}
