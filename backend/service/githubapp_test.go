package service_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/secrets"
)

// TestGitHubAppStaysActiveForHours: a GitHub App connection (app ID,
// installation ID, private key) stays active across two simulated hours on
// the service's clock, although each installation token GitHub mints lives
// one hour; the minted tokens never reach SQLite.
func TestGitHubAppStaysActiveForHours(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "github", AuthMode: "github_app", Label: "Octo App", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/github", Config: map[string]string{"appId": fakes.GitHubAppID, "installationId": fakes.GitHubInstallationID},
		Secrets: map[string]string{"privateKey": fakes.GitHubAppPrivateKey}})
	if err != nil || c.Status != domain.StatusActive {
		t.Fatalf("create: %+v %v", c, err)
	}
	for i := 0; i < 8; i++ { // every 17 minutes for 2 h 16 min
		e.clock.Advance(17 * time.Minute)
		if c, err = e.svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusActive {
			t.Fatalf("check after %d min: %+v %v", 17*(i+1), c, err)
		}
	}
	if n := e.fake.AppTokenMints(); n < 3 {
		t.Fatalf("%d installation tokens minted over 2 h, want at least 3", n)
	}
	for _, f := range []string{e.dbPath, e.dbPath + "-wal"} {
		db, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(db, []byte("ghs_")) || bytes.Contains(db, []byte("PRIVATE KEY")) {
			t.Fatalf("a minted token or the private key reached %s", f)
		}
	}
}
