package service_test

import (
	"context"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
)

// TestAppModesRefuseReauthentication: seed 001 says re-authentication is not
// available for the GitHub App or the Jira Connect App. Every mode of the
// catalogue marked so is refused by the backend with the mode's note (what
// to do instead), and its secret stays untouched.
func TestAppModesRefuseReauthentication(t *testing.T) {
	cat, _ := providers.Load()
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	seen := map[string]bool{}
	for _, p := range cat.Providers {
		for _, m := range p.Modes {
			if m.Reauth {
				continue
			}
			seen[p.ID+"/"+m.ID] = true
			t.Run(p.ID+"/"+m.ID, func(t *testing.T) {
				now := e.clock.Now().UTC()
				c := domain.Connection{ID: "conn_app_" + p.ID + "_" + m.ID, Provider: p.ID, AuthMode: m.ID, Label: p.Name + " app", Owner: domain.OwnerTeam,
					WorkspaceIDs: []string{e.ws.ID}, Config: map[string]string{}, Status: domain.StatusError, StatusDescription: "Reconnection needed.",
					CreatedAt: now, UpdatedAt: now}
				if err := e.store.CreateConnection(ctx, c); err != nil {
					t.Fatal(err)
				}
				secret := map[string]string{}
				for _, f := range m.Fields {
					if f.Secret() {
						secret[f.Key] = "app-secret-old-000001"
					}
				}
				_, err := e.svc.ReauthenticateConnection(ctx, c.ID, domain.ReauthDraft{Secrets: secret})
				if domain.ErrorCode(err) != domain.EConflict || m.ReauthNote == "" || err.Error() != m.ReauthNote {
					t.Fatalf("re-authenticate: %v, want EConflict %q", err, m.ReauthNote)
				}
				if _, err := e.svc.ReauthorizeConnection(ctx, c.ID, domain.ReauthorizeDraft{Confirm: true}); err == nil {
					t.Fatal("reauthorize by consent was accepted")
				}
				if got, _ := e.svc.GetConnection(ctx, c.ID); got.Status != domain.StatusError || got.SecretHint != c.SecretHint {
					t.Fatalf("a refused re-authentication changed the connection: %+v", got)
				}
			})
		}
	}
	for _, want := range []string{"github/github_app", "github_actions/github_app", "jira_cloud/connect_app"} {
		if !seen[want] {
			t.Errorf("%s is not marked as refusing re-authentication", want)
		}
	}
}
