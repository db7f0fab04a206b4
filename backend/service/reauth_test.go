package service_test

import (
	"context"
	"strings"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/secrets"
)

func TestReauthenticate(t *testing.T) {
	const oldKey, newKey = "demo-key-old-000000001", "demo-key-new-000000002"
	tests := []struct {
		name       string
		draft      domain.ReauthDraft
		wantCode   string
		wantSecret string // what the secret store holds afterwards
		wantStatus domain.Status
	}{
		{"new valid key replaces the old one", domain.ReauthDraft{Secrets: map[string]string{"apiKey": " " + newKey + " "}}, "", newKey, domain.StatusActive},
		{"rejected key keeps the old one", domain.ReauthDraft{Secrets: map[string]string{"apiKey": fakes.GenericBadKey}}, domain.EValidation, oldKey, domain.StatusError},
		{"empty key is refused", domain.ReauthDraft{Secrets: map[string]string{"apiKey": "  "}}, domain.EInvalid, oldKey, domain.StatusError},
		{"other settings cannot change", domain.ReauthDraft{Config: map[string]string{"validationUrl": "/x"}, Secrets: map[string]string{"apiKey": newKey}}, domain.EInvalid, oldKey, domain.StatusError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, secrets.NewMemory())
			ctx := context.Background()
			e.fake.SetKey(oldKey, true)
			e.fake.SetKey(newKey, true)
			c, err := e.svc.CreateConnection(ctx, e.draft(oldKey, fakes.GenericValidate))
			if err != nil {
				t.Fatal(err)
			}
			e.fake.SetKey(oldKey, false)
			if c, _ = e.svc.CheckConnection(ctx, c.ID); c.Status != domain.StatusError {
				t.Fatalf("setup: status %s", c.Status)
			}
			res, err := e.svc.ReauthenticateConnection(ctx, c.ID, tt.draft)
			if domain.ErrorCode(err) != tt.wantCode {
				t.Fatalf("err = %v, want code %q", err, tt.wantCode)
			}
			if tt.wantCode == domain.EValidation && !strings.Contains(err.Error(), "previous credential was kept") {
				t.Errorf("message does not say the old credential was kept: %v", err)
			}
			stored, _ := e.secrets.Get(ctx, "connection/"+c.ID)
			if !strings.Contains(stored, `"`+tt.wantSecret+`"`) {
				t.Fatalf("secret store holds %s, want %s", stored, tt.wantSecret)
			}
			got, _ := e.svc.GetConnection(ctx, c.ID)
			if got.Status != tt.wantStatus || got.AuthMode != "api_key" || got.Config["validationUrl"] != fakes.GenericValidate {
				t.Fatalf("connection after: %+v", got)
			}
			if err == nil && (res.Connection.SecretHint != "••••0002" || len(res.Warnings) != 1) {
				t.Fatalf("result %+v", res)
			}
			assertNotInFiles(t, e.dbPath, tt.wantSecret)
		})
	}
}

func TestUpdateWorkspacesNeedsOne(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c, err := e.svc.CreateConnection(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	w2, _ := e.svc.CreateWorkspace(ctx, domain.WorkspaceDraft{Name: "Second"})
	if _, err := e.svc.UpdateConnectionWorkspaces(ctx, c.ID, nil); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("empty selection: %v", err)
	}
	got, err := e.svc.UpdateConnectionWorkspaces(ctx, c.ID, []string{w2.ID})
	if err != nil || len(got.WorkspaceIDs) != 1 || got.WorkspaceIDs[0] != w2.ID {
		t.Fatalf("%+v %v", got, err)
	}
}
