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
	keep(svc.ListConnections(ctx))
	keep(svc.ListChecks(ctx, gh.ID, 50))
	out, _ := json.Marshal(outputs)
	if !strings.Contains(string(out), "••••") || logs.Len() == 0 {
		t.Fatal("the flows did not run")
	}
	for _, s := range secretValues {
		if bytes.Contains(logs.Bytes(), []byte(s)) {
			t.Errorf("a log line contains the secret %q", s[:8])
		}
		if strings.Contains(string(out), s) {
			t.Errorf("a returned value contains the secret %q", s[:8])
		}
		assertNotInFiles(t, dbPath, s)
	}
	if err := svc.DeleteConnection(ctx, gh.ID); err != nil {
		t.Fatal(err)
	}
}
