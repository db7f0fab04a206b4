package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/secrets"
)

// TestSecLinkedGroupCrossTenant (review finding 2): connections that share
// one credential (Azure DevOps Boards, Repos, Pipelines) have one owner:
// assigning one moves the whole group, and the portal refuses to refresh or
// reconnect a member of a group some other owner shares (a group split by
// an older version).
func TestSecLinkedGroupCrossTenant(t *testing.T) {
	e := newEnvWith(t, secrets.NewMemory(), catalogue(t, linkedCatalogue))
	svc, ctx := e.svc, context.Background()
	const pat = "ado-pat-000000000000001"
	e.fake.SetKey(pat, true)
	boards, err := svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "boards", AuthMode: "pat", Label: "Contoso", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url, Secrets: map[string]string{"token": pat}})
	if err != nil {
		t.Fatal(err)
	}
	acme, _ := svc.CreateClient(ctx, "Acme")
	if _, err := svc.SetConnectionOwner(ctx, boards.ID, acme.ID); err != nil {
		t.Fatal(err)
	}
	all, _ := svc.ListConnections(ctx)
	for _, c := range all {
		if c.Owner != acme.ID {
			t.Fatalf("%s is owned by %s after assigning Boards to Acme: the group was split", c.Label, c.Owner)
		}
	}
	// Giving it back to the team moves the group back too.
	if _, err := svc.SetConnectionOwner(ctx, all[1].ID, ""); err != nil {
		t.Fatal(err)
	}
	for _, c := range mustList(t, svc, ctx) {
		if c.Owner != domain.OwnerTeam {
			t.Fatalf("%s is owned by %s after giving Repos back to the team", c.Label, c.Owner)
		}
	}
	// A group an older version split: Boards is Acme's, Repos the team's.
	if _, err := svc.SetConnectionOwner(ctx, boards.ID, acme.ID); err != nil {
		t.Fatal(err)
	}
	var repos domain.Connection
	for _, c := range mustList(t, svc, ctx) {
		if strings.HasSuffix(c.Label, "Repos") {
			repos = c
		}
	}
	if err := e.store.SetConnectionOwner(ctx, repos.ID, domain.OwnerTeam, time.Now()); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"refresh":   func() error { _, err := svc.PortalRefresh(ctx, acme.ID, boards.ID); return err },
		"reconnect": func() error { _, err := svc.PortalReconnect(ctx, acme.ID, boards.ID); return err },
	} {
		if err := call(); domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "shares its sign-in") {
			t.Errorf("portal %s of a group shared with the team: %v", name, err)
		}
	}
	if c, _ := svc.GetConnection(ctx, repos.ID); c.SecretHint != boards.SecretHint || c.Owner != domain.OwnerTeam {
		t.Fatalf("the team's Repos changed: %+v", c)
	}
}

func mustList(t *testing.T, svc interface {
	ListConnections(context.Context) ([]domain.Connection, error)
}, ctx context.Context) []domain.Connection {
	t.Helper()
	all, err := svc.ListConnections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return all
}
