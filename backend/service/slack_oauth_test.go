package service_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
)

// TestSlackOAuthEndToEnd connects Slack by OAuth against the fake Slack
// (oauth.v2.access in Slack's own shape: HTTP 200 ok:true/ok:false):
// the consent asks for chat:write in Slack's comma-separated scope list,
// the connection validates, and once the user revokes the app the refresh
// answer (200 ok:false invalid_refresh_token) moves it to error at once.
func TestSlackOAuthEndToEnd(t *testing.T) {
	cat, _ := providers.Load()
	e := newEnvWithURL(t, secrets.NewMemory(), func(url string) *providers.Catalogue { return cat.AllSelfHosted().WithCloudAt(url) })
	ctx := context.Background()
	port := freePort(t)
	const relay = "https://relay.example.com/slack"
	st, err := e.svc.StartConsent(ctx, domain.ConnectionDraft{Provider: "slack", AuthMode: "oauth2", Label: "Slack by OAuth", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/slack", Config: map[string]string{"clientId": fakes.OAuthClientID, "redirectPort": port, "redirectUri": relay},
		Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	au, _ := url.Parse(st.AuthURL)
	if sc := au.Query().Get("scope"); !strings.Contains(sc, "chat:write") || strings.Contains(sc, " ") || !strings.HasPrefix(st.AuthURL, e.url+"/cloud/slack.com/oauth/v2/authorize?") {
		t.Fatalf("authorize URL %s: want Slack's path and a comma-separated scope with chat:write", st.AuthURL)
	}
	back, err := fakes.ConsentRedirect(st.AuthURL, "approve", nil)
	if err != nil || !strings.HasPrefix(back, relay+"?") {
		t.Fatalf("redirected to %q (%v)", back, err)
	}
	u, _ := url.Parse(back)
	resp, err := http.Get("http://127.0.0.1:" + port + "/?" + u.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st = waitConsent(t, e, st.ID); st.State != domain.ConsentDone {
		t.Fatalf("consent %+v", st)
	}
	c, err := e.svc.GetConnection(ctx, st.ConnectionID)
	if err != nil || c.Status != domain.StatusActive || c.Identity != "patchbay-bot" {
		t.Fatalf("connection %+v %v", c, err)
	}
	e.fake.OAuth.RevokeAll()
	if c, err = e.svc.RefreshCredential(ctx, c.ID); err == nil {
		t.Fatalf("a refresh of a revoked Slack grant succeeded: %+v", c)
	}
	c, _ = e.svc.GetConnection(ctx, st.ConnectionID)
	if c.Status != domain.StatusError || c.LastError == nil || !strings.Contains(c.LastError.Message, "invalid_refresh_token") {
		t.Fatalf("after revocation: %s %+v", c.Status, c.LastError)
	}
}
