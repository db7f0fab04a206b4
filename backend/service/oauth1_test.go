package service_test

import (
	"context"
	"strings"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

// TestJiraDataCenterOAuth1 walks seed 002's OAuth 1.0 steps: server URL →
// Generate URL → Allow → paste the verification code → Verify → Complete
// connection; then the admin revokes the link, the connection breaks, and
// reauthorization restores it while a wrong code changes nothing.
func TestJiraDataCenterOAuth1(t *testing.T) {
	sec := secrets.NewMemory()
	e := newEnv(t, sec)
	ctx := context.Background()
	draft := domain.ConnectionDraft{Provider: "jira_dc", AuthMode: "oauth1", Label: "Jira DC (app link)", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/jiradc", Config: map[string]string{"consumerKey": fakes.OAuth1ConsumerKey},
		Secrets: map[string]string{"privateKey": fakes.OAuth1PrivateKeyPEM()}}

	// Validate Connection is not how this mode connects.
	if _, err := e.svc.CreateConnection(ctx, draft); domain.Public(err).Field != "authMode" {
		t.Fatalf("create without the flow: %v", err)
	}
	bad := draft
	bad.Secrets = map[string]string{"privateKey": "not a key"}
	if _, err := e.svc.StartOAuth1(ctx, service.OAuth1Start{Draft: bad}); domain.Public(err).Field != "privateKey" {
		t.Fatalf("bad key: %v", err)
	}
	unknown := draft
	unknown.Config = map[string]string{"consumerKey": "not-registered"}
	if _, err := e.svc.StartOAuth1(ctx, service.OAuth1Start{Draft: unknown}); domain.Public(err).Field != "consumerKey" {
		t.Fatalf("unknown consumer: %v", err)
	}

	flow, err := e.svc.StartOAuth1(ctx, service.OAuth1Start{Draft: draft})
	if err != nil || !strings.HasPrefix(flow.AuthorizeURL, e.url+"/jiradc/plugins/servlet/oauth/authorize?oauth_token=") {
		t.Fatalf("Generate URL: %+v %v", flow, err)
	}
	if _, err := e.svc.CompleteOAuth1(ctx, flow.ID); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("complete before verify: %v", err)
	}
	code, err := fakes.AllowOAuth1(flow.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.VerifyOAuth1(ctx, flow.ID, "nope"); domain.Public(err).Field != "verificationCode" {
		t.Fatalf("wrong code: %v", err)
	}
	if flow, err = e.svc.VerifyOAuth1(ctx, flow.ID, code); err != nil || !flow.Verified || flow.Identity != "oauth1-user@example.com" {
		t.Fatalf("Verify: %+v %v", flow, err)
	}
	c, err := e.svc.CompleteOAuth1(ctx, flow.ID)
	if err != nil || c.Status != domain.StatusActive || c.AuthMode != "oauth1" {
		t.Fatalf("Complete connection: %+v %v", c, err)
	}
	if _, err := e.svc.CompleteOAuth1(ctx, flow.ID); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("completed twice: %v", err)
	}
	if c, err = e.svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusActive {
		t.Fatalf("signed check: %+v %v", c, err)
	}
	assertNotInFiles(t, e.dbPath, "PRIVATE KEY")

	// The Jira admin removes the link: the next check breaks the connection.
	e.fake.RevokeOAuth1()
	if c, _ = e.svc.CheckConnection(ctx, c.ID); c.Status != domain.StatusError {
		t.Fatalf("after revocation: %s", c.Status)
	}
	if _, err := e.svc.ReauthenticateConnection(ctx, c.ID, domain.ReauthDraft{}); err == nil || !strings.Contains(err.Error(), "Reauthorize connection") {
		t.Fatalf("token re-authentication on an OAuth 1.0a connection: %v", err)
	}
	// Reauthorize connection: a code that Jira refuses keeps everything as it was.
	before, _ := sec.Get(ctx, "connection/"+c.ID)
	flow, err = e.svc.StartOAuth1(ctx, service.OAuth1Start{ConnectionID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.VerifyOAuth1(ctx, flow.ID, "nope"); err == nil {
		t.Fatal("a wrong code verified")
	}
	if after, _ := sec.Get(ctx, "connection/"+c.ID); after != before {
		t.Fatal("a failed reauthorization changed the stored credential")
	}
	code, _ = fakes.AllowOAuth1(flow.AuthorizeURL)
	if _, err := e.svc.VerifyOAuth1(ctx, flow.ID, code); err != nil {
		t.Fatal(err)
	}
	if c, err = e.svc.CompleteOAuth1(ctx, flow.ID); err != nil || c.Status != domain.StatusActive {
		t.Fatalf("reauthorized: %+v %v", c, err)
	}
	if b, _ := e.svc.GetBanner(ctx); b.Count != 0 {
		t.Fatalf("the banner stayed after reauthorization: %+v", b)
	}
}
