package store

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"testing"
	"time"

	"patchbay/backend/domain"
)

// releaseFixture is a database the previous release really wrote, kept so a
// migration (or a changed column use) is tested against data users have.
//
// testdata/release-1520483.db was written by commit 1520483 (schema 18) with
// scripts/make-release-fixture.sh: `patchbay serve --demo --data-dir DIR
// --sweep-interval 0` (the demo seed: 16 connections, 30 days of checks and
// rollups, two workspaces, two clients, three workflows and five runs, one
// notification, an alert route), then over its HTTP API: UpdateSettings,
// SetWorkspaceSweep (Support team: 30), StartSweep, TestAlertRoute,
// SetConnectionOwner + CreateReconnectRequest (Alerts Slack to Globex) and
// MarkNotificationRead; then SIGTERM (WAL checkpointed). Only patchbay.db
// was kept; the demo keeps secrets in memory, so none is in the file. The
// counts below are what sqlite3 showed in that file.
const releaseFixture = "testdata/release-1520483.db"

// openFixture copies the release fixture to a temp dir (the test never
// changes the committed file) and opens it with the current code.
func openFixture(t *testing.T) (*Store, string) {
	t.Helper()
	b, err := os.ReadFile(releaseFixture)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "patchbay.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatalf("upgrade the release-1520483 database: %v", err)
	}
	return s, path
}

// TestUpgradeFromRelease1520483 upgrades a database written by release
// 1520483 to the current schema and reads every kind of data back through
// the current code; opening it again is a no-op.
func TestUpgradeFromRelease1520483(t *testing.T) {
	s, path := openFixture(t)
	names, _ := fs.Glob(migrationFS, "migrations/*.sql")
	if got := s.SchemaVersion(); got != len(names) || got < 18 {
		t.Fatalf("schema %d after upgrade, want %d (one per migration)", got, len(names))
	}
	checkRelease1520483(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(path)
	if err != nil {
		t.Fatalf("second open of the upgraded database: %v", err)
	}
	defer again.Close()
	if got := again.SchemaVersion(); got != len(names) {
		t.Fatalf("schema %d after the second open, want %d", got, len(names))
	}
	checkRelease1520483(t, again)
}

func checkRelease1520483(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	const (
		defaultWS = "ws_5ce901bcf2d9fb58"
		supportWS = "ws_6ae137e635c2a855"
		initech   = "cli_9dfe92b08bfa64b1"
		globex    = "cli_f2930cfd4fc88e2e"
		slackID   = "conn_26891e1f08be78aa" // Alerts Slack: revoked token, owned by Globex
		githubID  = "conn_b3ca3d0c93ef5fd2" // Demo GitHub: two pooled PATs, both workspaces
	)

	// Connections: labels, statuses, owners, config, workspace links.
	conns, err := s.ListConnections(ctx)
	if err != nil {
		t.Fatalf("list connections: %v", err)
	}
	wantLabels := []string{"Alerts Slack", "Demo Bitbucket Cloud", "Demo Boards", "Demo Boards · Azure DevOps Pipelines",
		"Demo Boards · Azure DevOps Repos", "Demo GitHub", "Demo GitHub Actions", "Demo GitLab", "Demo Harness CI/CD",
		"Demo Jira Cloud", "Demo Jira Data Center", "Demo OAuth app", "Demo Slack", "Demo SonarQube / SonarCloud",
		"Org GitHub App", "Self-managed GitLab"}
	var labels []string
	byLabel := map[string]domain.Connection{}
	statuses := map[domain.Status]int{}
	links := 0
	for _, c := range conns {
		labels = append(labels, c.Label)
		byLabel[c.Label] = c
		statuses[c.Status]++
		links += len(c.WorkspaceIDs)
	}
	sort.Strings(labels)
	if len(labels) != len(wantLabels) {
		t.Fatalf("%d connections %q, want 16 %q", len(labels), labels, wantLabels)
	}
	for i := range labels {
		if labels[i] != wantLabels[i] {
			t.Fatalf("connection labels %q, want %q", labels, wantLabels)
		}
	}
	if statuses[domain.StatusActive] != 15 || statuses[domain.StatusError] != 1 || links != 18 {
		t.Fatalf("statuses %v and %d workspace links, want 15 active, 1 error, 18 links", statuses, links)
	}
	slack, err := s.GetConnection(ctx, slackID)
	if err != nil || slack.Label != "Alerts Slack" || slack.Status != domain.StatusError || slack.Owner != globex ||
		len(slack.WorkspaceIDs) != 2 || slack.SecretHint != "••••oken" {
		t.Fatalf("Alerts Slack: %+v %v", slack, err)
	}
	gh, err := s.GetConnection(ctx, githubID)
	if err != nil || gh.Config["email"] != "bots@example.com" || len(gh.Credentials) != 2 ||
		gh.Credentials[1].Identity != "octo-bot-0002" || len(gh.WorkspaceIDs) != 2 {
		t.Fatalf("Demo GitHub (pooled PATs): %+v %v", gh, err)
	}
	if app := byLabel["Org GitHub App"]; app.Config["appId"] != "123456" || app.Config["installationId"] != "7890123" {
		t.Fatalf("Org GitHub App config %v", app.Config)
	}
	if oa := byLabel["Demo OAuth app"]; oa.Config["clientId"] != "patchbay-demo-client" || len(oa.Config) != 9 {
		t.Fatalf("Demo OAuth app config %v", oa.Config)
	}
	if b := byLabel["Demo Bitbucket Cloud"]; b.Owner != initech {
		t.Fatalf("Demo Bitbucket Cloud owner %q, want Initech", b.Owner)
	}
	// The list's rows (JSON built by SQLite) on the previous release's data.
	var sums []domain.ConnectionSummary
	raw, err := s.ListConnectionSummaries(ctx)
	if err != nil || json.Unmarshal(raw, &sums) != nil || len(sums) != 16 {
		t.Fatalf("connection summaries: %d %v\n%s", len(sums), err, raw)
	}
	for i, c := range conns {
		if !reflect.DeepEqual(sums[i], c.Summary()) {
			t.Fatalf("row %d: %+v, want %+v", i, sums[i], c.Summary())
		}
	}

	// Workspaces and their sweep interval.
	ws, err := s.ListWorkspaces(ctx)
	if err != nil || len(ws) != 2 {
		t.Fatalf("workspaces %+v %v", ws, err)
	}
	sup, err := s.GetWorkspace(ctx, supportWS)
	if err != nil || sup.Name != "Support team" || sup.SweepMinutes == nil || *sup.SweepMinutes != 30 {
		t.Fatalf("Support team workspace %+v %v", sup, err)
	}
	if def, err := s.GetWorkspace(ctx, defaultWS); err != nil || def.Slug != "default" || def.SweepMinutes != nil {
		t.Fatalf("Default workspace %+v %v", def, err)
	}

	// Checks and uptime (30 days of demo history plus one sweep).
	checks, err := s.ListChecks(ctx, slackID, 1000)
	if err != nil || len(checks) != 62 {
		t.Fatalf("Alerts Slack checks: %d %v, want 62", len(checks), err)
	}
	written := time.Date(2026, 12, 4, 17, 1, 0, 0, time.UTC) // the fixture was written at 17:00 UTC
	up, err := s.Uptime(ctx, written.Add(-31*24*time.Hour), written)
	if err != nil {
		t.Fatalf("uptime: %v", err)
	}
	total, ok := 0, 0
	for _, u := range up {
		total += u.Checks
		ok += u.OK
	}
	if len(up) != 16 || total != 968 || ok != 947 || up[slackID].Checks != 62 || up[slackID].OK != 56 {
		t.Fatalf("uptime over 31 days: %d connections, %d checks, %d ok, Alerts Slack %+v; want 16, 968, 947, 62/56",
			len(up), total, ok, up[slackID])
	}
	day, err := s.Uptime(ctx, written.Add(-24*time.Hour), written)
	if err != nil || len(day) != 16 {
		t.Fatalf("uptime over a day (hourly rollup): %d connections %v", len(day), err)
	}
	if inv, err := s.Inventory(ctx, githubID, "repositories"); err != nil || len(inv) != 3 {
		t.Fatalf("inventory %v %v", inv, err)
	}

	// Workflows, runs and their steps.
	wfs, err := s.ListWorkflows(ctx)
	if err != nil || len(wfs) != 3 {
		t.Fatalf("workflows %d %v, want 3", len(wfs), err)
	}
	runs, err := s.ListRuns(ctx, "", "", 100)
	if err != nil || len(runs) != 5 {
		t.Fatalf("runs %d %v, want 5", len(runs), err)
	}
	steps := 0
	for _, r := range runs {
		steps += len(r.Steps)
	}
	if steps != 9 {
		t.Fatalf("%d run steps, want 9", steps)
	}
	failed, err := s.GetRun(ctx, "run_demo_failed")
	if err != nil || failed.Status != domain.RunFailed || len(failed.Steps) != 2 || failed.Steps[0].Attempts != 3 ||
		failed.Steps[0].Error != "The provider did not answer in time." || failed.Steps[1].Status != "skipped" {
		t.Fatalf("run_demo_failed %+v %v", failed, err)
	}
	if paused, err := s.ListRuns(ctx, domain.RunPaused, "", 100); err != nil || len(paused) != 2 {
		t.Fatalf("paused runs %d %v, want 2", len(paused), err)
	}

	// Clients and the reconnect request.
	clients, err := s.ListClients(ctx)
	if err != nil || len(clients) != 2 {
		t.Fatalf("clients %+v %v", clients, err)
	}
	reqs, err := s.ListRequests(ctx, globex)
	if err != nil || len(reqs) != 1 || reqs[0].ConnectionID != slackID || reqs[0].State != "pending" {
		t.Fatalf("Globex's reconnect requests %+v %v", reqs, err)
	}

	// Notifications (the one was read), settings, sweeps, alerts, audit.
	notes, err := s.ListNotifications(ctx, 100)
	if err != nil || len(notes) != 1 || notes[0].ConnectionID != slackID || notes[0].ReadAt == nil {
		t.Fatalf("notifications %+v %v", notes, err)
	}
	if unread, err := s.UnreadCritical(ctx); err != nil || len(unread) != 0 {
		t.Fatalf("unread critical %+v %v", unread, err)
	}
	for key, want := range map[string]string{"desktop_notifications": "false", "public_base_url": "https://patchbay.example.com",
		"trusted_proxy": "10.0.0.1/32", "keep_running": "true", "portal_address": ""} {
		if got, found, err := s.Setting(ctx, key); err != nil || !found || got != want {
			t.Fatalf("setting %s = %q (found %v, %v), want %q", key, got, found, err, want)
		}
	}
	if sw, found, err := s.LastSweep(ctx); err != nil || !found || sw.Total != 16 || sw.Done != 16 || sw.Failures != 2 || sw.FinishedAt == nil {
		t.Fatalf("last sweep %+v %v %v", sw, found, err)
	}
	if routes, err := s.ListAlertRoutes(ctx); err != nil || len(routes) != 1 || routes[0].Kind != "slack" || routes[0].Channel != "alerts" {
		t.Fatalf("alert routes %+v %v", routes, err)
	}
	if dl, err := s.ListDeliveries(ctx, 100); err != nil || len(dl) != 1 || dl[0].Status != "delivered" || dl[0].Event != "test" {
		t.Fatalf("alert deliveries %+v %v", dl, err)
	}
	audit, err := s.ListAudit(ctx, domain.AuditFilter{Limit: 1000})
	if err != nil || len(audit) != 19 {
		t.Fatalf("audit %d entries %v, want 19", len(audit), err)
	}
	if created, err := s.ListAudit(ctx, domain.AuditFilter{Action: domain.AuditCreated, Actor: "serve"}); err != nil || len(created) != 16 {
		t.Fatalf("audit 'created' by serve: %d %v, want 16", len(created), err)
	}
}

// TestReleaseFixtureHasNoSecrets scans the committed fixture's bytes for the
// demo's secrets (release 1520483's fakes and demo seed, hard-coded here so
// a later change to the fakes cannot weaken the scan) and for tokens the
// fake OAuth server mints, and the reconnect link's signature.
func TestReleaseFixtureHasNoSecrets(t *testing.T) {
	b, err := os.ReadFile(releaseFixture)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 100<<10 {
		t.Fatalf("fixture is %d bytes: not the demo database", len(b))
	}
	for _, secret := range []string{
		"ghp_demoDEMOdemoDEMOdemoDEMOdemoDEMO0001", "ghp_demoDEMOdemoDEMOdemoDEMOdemoDEMO0002",
		"ATATT3xFfGF0demoJiraCloudToken=A1B2C3D4", "NDE2OTk3NzQ2NjU1OkRlbW9KaXJhRGF0YUNlbnRlcg",
		"ATATT3xFfGF0demoBitbucketToken=0A1B2C3D", "demoazuredevopspersonalaccesstoken000000000001",
		"pat.demoAccount.demoToken.demoSecret0001", "glpat-demoGitLabToken0000001",
		"squ_0123456789abcdef0123456789abcdef01234567", "xoxb-1111-2222-demoSlackBotToken",
		"xoxb-3333-4444-demoRevokedToken", "glpat-demoOutageToken0000002", // backend/cli/demo.go
		"demo-client-secret-0001", "demo-key-valid-0001", "demo-connect-shared-secret-0123456789abcdef",
		"BEGIN RSA PRIVATE KEY", "MIIEoQIBAAKCAQEAuCudII3oFQgj0i5YIEVxR2l91uvZyb", // the GitHub App key
		"gjyvV9vFYAIfJ8G8v4YlPtmy9EY5UrzJkDPVrVqJB2g", // the reconnect link's signature
	} {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the fixture contains the secret %q", secret)
		}
	}
	// Tokens the fake OAuth server minted (prefix + 32 hex characters).
	if m := regexp.MustCompile(`(at|rt|ghu|ghr|glrt|glpat-oauth)[-_][0-9a-f]{32}`).Find(b); m != nil {
		t.Errorf("the fixture contains a minted token %q", m)
	}
}
