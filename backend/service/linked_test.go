package service_test

import (
	"context"
	"strings"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

// linkedCatalogue mimics Azure DevOps: Boards links Repos and Pipelines.
const linkedCatalogue = `{"providers":[
 {"id":"boards","name":"Boards","selfHosted":true,"linked":["repos","pipes"],"modes":[{"id":"pat","name":"PAT","reauth":true,"fields":[{"key":"token","label":"PAT","kind":"secret","required":true}],"auth":{"header":"X-API-Key","value":"{{token}}"},"validate":{"url":"/generic/v1/me"}}]},
 {"id":"repos","name":"Repos","selfHosted":true,"modes":[{"id":"pat","name":"PAT","reauth":true,"fields":[{"key":"token","label":"PAT","kind":"secret","required":true}],"auth":{"header":"X-API-Key","value":"{{token}}"},"validate":{"url":"/generic/v1/me"}}]},
 {"id":"pipes","name":"Pipelines","selfHosted":true,"modes":[{"id":"pat","name":"PAT","reauth":true,"fields":[{"key":"token","label":"PAT","kind":"secret","required":true}],"auth":{"header":"X-API-Key","value":"{{token}}"},"validate":{"url":"/generic/v1/me"}}]}]}`

func TestLinkedConnectionsShareOneCredential(t *testing.T) {
	sec := secrets.NewMemory()
	e := newEnvWith(t, sec, catalogue(t, linkedCatalogue))
	svc, fake, ctx := e.svc, e.fake, context.Background()
	ws := []domain.Workspace{e.ws}
	const oldPAT, newPAT = "ado-pat-old-000000000001", "ado-pat-new-000000000002"
	fake.SetKey(oldPAT, true)
	fake.SetKey(newPAT, true)
	boards, err := svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "boards", AuthMode: "pat", Label: "Contoso", WorkspaceIDs: []string{ws[0].ID},
		BaseURL: e.url, Secrets: map[string]string{"token": oldPAT}})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := svc.ListConnections(ctx)
	if len(all) != 3 {
		t.Fatalf("want Boards, Repos and Pipelines, got %d", len(all))
	}
	labels := []string{}
	for _, c := range all {
		labels = append(labels, c.Label)
		if c.Config[service.GroupKey] != boards.ID {
			t.Fatalf("%s not in the group: %v", c.Label, c.Config)
		}
	}
	if strings.Join(labels, ",") != "Contoso,Contoso · Pipelines,Contoso · Repos" {
		t.Fatalf("labels %v", labels)
	}
	// The PAT breaks: each is checked on its own and goes to error.
	fake.SetKey(oldPAT, false)
	for _, c := range all {
		if c, _ = svc.CheckConnection(ctx, c.ID); c.Status != domain.StatusError {
			t.Fatalf("%s: %s", c.Label, c.Status)
		}
	}
	// Re-authenticating Boards fixes all three.
	if _, err := svc.ReauthenticateConnection(ctx, boards.ID, domain.ReauthDraft{Secrets: map[string]string{"token": newPAT}}); err != nil {
		t.Fatal(err)
	}
	all, _ = svc.ListConnections(ctx)
	for _, c := range all {
		if c.Status != domain.StatusActive || c.SecretHint != "••••0002" || c.LastCheckedAt == nil {
			t.Fatalf("%s after reauth: %+v", c.Label, c)
		}
		if c, _ = svc.CheckConnection(ctx, c.ID); c.Status != domain.StatusActive {
			t.Fatalf("%s does not use the new PAT", c.Label)
		}
	}
	// Deleting one keeps the shared secret for the others; the last one removes it.
	for i, c := range all {
		if _, err := svc.DeleteConnection(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		_, err := sec.Get(ctx, "connection/"+boards.ID)
		if last := i == len(all)-1; last != (err != nil) {
			t.Fatalf("after deleting %d of %d: secret present=%v", i+1, len(all), err == nil)
		}
	}
}

// TestReauthenticatingAnyLinkedMemberUpdatesAll (seed 001, SEEDS review row
// 16): re-authenticating Repos or Pipelines, not only Boards, moves all three
// to the new PAT.
func TestReauthenticatingAnyLinkedMemberUpdatesAll(t *testing.T) {
	for _, start := range []string{"Contoso · Repos", "Contoso · Pipelines"} {
		t.Run(start, func(t *testing.T) {
			e := newEnvWith(t, secrets.NewMemory(), catalogue(t, linkedCatalogue))
			svc, fake, ctx := e.svc, e.fake, context.Background()
			const oldPAT, newPAT = "ado-pat-old-000000000001", "ado-pat-new-000000000003"
			fake.SetKey(oldPAT, true)
			fake.SetKey(newPAT, true)
			if _, err := svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "boards", AuthMode: "pat", Label: "Contoso", WorkspaceIDs: []string{e.ws.ID},
				BaseURL: e.url, Secrets: map[string]string{"token": oldPAT}}); err != nil {
				t.Fatal(err)
			}
			fake.SetKey(oldPAT, false)
			all, _ := svc.ListConnections(ctx)
			var from string
			for _, c := range all {
				if c, _ = svc.CheckConnection(ctx, c.ID); c.Status != domain.StatusError {
					t.Fatalf("%s: %s after its PAT broke", c.Label, c.Status)
				}
				if c.Label == start {
					from = c.ID
				}
			}
			if len(all) != 3 || from == "" {
				t.Fatalf("no %s among %d connections", start, len(all))
			}
			if _, err := svc.ReauthenticateConnection(ctx, from, domain.ReauthDraft{Secrets: map[string]string{"token": newPAT}}); err != nil {
				t.Fatal(err)
			}
			all, _ = svc.ListConnections(ctx)
			for _, c := range all {
				if c.Status != domain.StatusActive || c.SecretHint != "••••0003" {
					t.Fatalf("%s after re-authenticating %s: %s, %s", c.Label, start, c.Status, c.SecretHint)
				}
				if c, _ = svc.CheckConnection(ctx, c.ID); c.Status != domain.StatusActive {
					t.Fatalf("%s does not use the new PAT", c.Label)
				}
			}
		})
	}
}
