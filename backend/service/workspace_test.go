package service_test

import (
	"context"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/secrets"
)

// TestRenameWorkspace: a workspace is renamed in place (its slug and so its
// links stay), and a blank name, another workspace's name or an unknown
// workspace is refused with a message.
func TestRenameWorkspace(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	w, err := e.svc.CreateWorkspace(ctx, domain.WorkspaceDraft{Name: "Client Acme"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.RenameWorkspace(ctx, w.ID, "  Acme Corp ")
	if err != nil || got.Name != "Acme Corp" || got.Slug != "client-acme" || got.ID != w.ID {
		t.Fatalf("rename: %+v %v", got, err)
	}
	list, _ := e.svc.ListWorkspaces(ctx)
	if len(list) != 2 {
		t.Fatalf("rename added or lost a workspace: %+v", list)
	}
	for _, tc := range []struct {
		id, name, code string
	}{
		{w.ID, "   ", domain.EInvalid},
		{w.ID, e.ws.Name, domain.EInvalid},
		{"ws_missing", "Anything", domain.ENotFound},
	} {
		if _, err := e.svc.RenameWorkspace(ctx, tc.id, tc.name); domain.ErrorCode(err) != tc.code {
			t.Errorf("rename %s to %q: %v, want %s", tc.id, tc.name, err, tc.code)
		}
	}
	// Creating a workspace of a taken name is refused too.
	if _, err := e.svc.CreateWorkspace(ctx, domain.WorkspaceDraft{Name: "acme corp"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("create with a taken name: %v", err)
	}
	// Renaming to its own name in another case is allowed.
	if _, err := e.svc.RenameWorkspace(ctx, w.ID, "ACME CORP"); err != nil {
		t.Fatal(err)
	}
}
