package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
	"patchbay/backend/store"
)

// TestSecretsNeverLeak runs every flow that handles a secret (create, check,
// failed and successful re-authentication, pooled PATs, delete) with debug
// logging on, then scans the logs, every returned value and the database
// files for the secret bytes.
func TestSecretsNeverLeak(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, secrets.NewMemory())
	dbPath := filepath.Join(t.TempDir(), "leak.db")
	st, err := store.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cat, _ := providers.Load()
	cat = cat.AllSelfHosted()
	svc := service.New(service.Options{Store: st, Secrets: e.secrets, Catalogue: cat, Log: log})
	ctx := context.Background()
	_ = svc.EnsureDefaultWorkspace(ctx)
	ws, _ := svc.ListWorkspaces(ctx)

	const newPAT = "ghp_leakLEAKleakLEAKleakLEAKleakLEAK0009"
	e.fake.SetKey(newPAT, true)
	secretValues := []string{fakes.GitHubToken, fakes.GitHubToken2, newPAT, fakes.SlackToken, "xoxb-wrong-leak-test-token"}
	var outputs []any
	keep := func(v any, err error) {
		outputs = append(outputs, v)
		if err != nil {
			outputs = append(outputs, domain.Public(err))
		}
	}
	gh, err := svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "github", AuthMode: "pat", Label: "gh", WorkspaceIDs: []string{ws[0].ID},
		BaseURL: e.url + "/github", Config: map[string]string{"email": "a@b.c"}, Secrets: map[string]string{"token": fakes.GitHubToken + "\n" + fakes.GitHubToken2}})
	keep(gh, err)
	e.fake.SetKey(fakes.GitHubToken2, false)
	keep(svc.CheckConnection(ctx, gh.ID))
	keep(svc.ReauthenticateConnection(ctx, gh.ID, domain.ReauthDraft{Pool: "replace", Index: 1, Secrets: map[string]string{"token": newPAT}}))
	sl, err := svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "slack", AuthMode: "token", Label: "sl", WorkspaceIDs: []string{ws[0].ID},
		BaseURL: e.url + "/slack", Secrets: map[string]string{"token": fakes.SlackToken}})
	keep(sl, err)
	keep(svc.ReauthenticateConnection(ctx, sl.ID, domain.ReauthDraft{Secrets: map[string]string{"token": "xoxb-wrong-leak-test-token"}}))
	keep(svc.ValidateDraft(ctx, domain.ConnectionDraft{Provider: "slack", AuthMode: "token", Label: "x", BaseURL: e.url + "/slack", Secrets: map[string]string{"token": fakes.SlackToken}}))
	// OAuth 1.0a: the private key and the access token stay in the keyring.
	flow, err := svc.StartOAuth1(ctx, service.OAuth1Start{Draft: domain.ConnectionDraft{Provider: "jira_dc", AuthMode: "oauth1", Label: "dc",
		WorkspaceIDs: []string{ws[0].ID}, BaseURL: e.url + "/jiradc", Config: map[string]string{"consumerKey": fakes.OAuth1ConsumerKey},
		Secrets: map[string]string{"privateKey": fakes.OAuth1PrivateKeyPEM()}}})
	keep(flow, err)
	code, _ := fakes.AllowOAuth1(flow.AuthorizeURL)
	keep(svc.VerifyOAuth1(ctx, flow.ID, code))
	dc, err := svc.CompleteOAuth1(ctx, flow.ID)
	if err != nil {
		t.Fatalf("OAuth 1.0a flow: %v", err)
	}
	keep(dc, err)
	keep(svc.CheckConnection(ctx, dc.ID))
	sec, err := e.secrets.Get(ctx, "connection/"+dc.ID)
	var stored map[string]string
	if err != nil || json.Unmarshal([]byte(sec), &stored) != nil {
		t.Fatalf("the OAuth 1.0a credential is not in the secret store: %v", err)
	}
	secretValues = append(secretValues, stored["oauth1Token"], "PRIVATE KEY")
	// A client asked for credentials: the team's OAuth client secret stays hidden.
	client, _ := svc.CreateClient(ctx, "Leak Ltd")
	keep(svc.RequestCredentials(ctx, domain.RequestCredentialsDraft{ClientID: client.ID, BaseURL: "http://127.0.0.1:1", Draft: domain.ConnectionDraft{
		Provider: "generic_oauth2", AuthMode: "oauth2", Label: "leak", WorkspaceIDs: []string{ws[0].ID},
		Config:  map[string]string{"issuer": e.url + "/oauth", "clientId": fakes.OAuthClientID},
		Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}}}))
	secretValues = append(secretValues, fakes.OAuthClientSecret)
	keep(svc.PortalConnections(ctx, client.ID))
	keep(svc.ListConnections(ctx))
	keep(svc.ListConnectionSummaries(ctx))
	keep(svc.ListChecks(ctx, gh.ID, 50))
	out, _ := json.Marshal(outputs)
	if !strings.Contains(string(out), "••••") || logs.Len() == 0 {
		t.Fatal("the flows did not run")
	}
	for _, s := range secretValues {
		if s == "" {
			t.Fatal("a secret of the flows is empty")
		}
		if bytes.Contains(logs.Bytes(), []byte(s)) {
			t.Errorf("a log line contains the secret %q", s[:8])
		}
		if strings.Contains(string(out), s) {
			t.Errorf("a returned value contains the secret %q", s[:8])
		}
		assertNotInFiles(t, dbPath, s)
	}
	if _, err := svc.DeleteConnection(ctx, gh.ID); err != nil {
		t.Fatal(err)
	}
}
