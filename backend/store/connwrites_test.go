package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/backend/domain"
)

func TestRecordCheckWritesOnlyItsColumnsAndOnlyForTheCurrentSecret(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	workspace(t, s, "ws1")
	workspace(t, s, "ws2")
	if err := s.CreateConnection(ctx, fullConnection("c", "ws1")); err != nil {
		t.Fatal(err)
	}
	checkCopy, _ := s.GetConnection(ctx, "c") // what a check reads before its network call
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	if err := s.RenameConnection(ctx, "c", "Renamed", at); err != nil {
		t.Fatal(err)
	}
	if err := s.SetConnectionOwner(ctx, "c", "cli_1", at); err != nil {
		t.Fatal(err)
	}
	if err := s.SetConnectionWorkspaces(ctx, "c", []string{"ws2"}, at); err != nil {
		t.Fatal(err)
	}
	checkCopy.ApplyCheck(domain.CheckResult{Class: domain.ClassOK, Identity: "octo-2", CheckedAt: at})
	if ok, err := s.RecordCheck(ctx, checkCopy); err != nil || !ok {
		t.Fatalf("record check: %v %v", ok, err)
	}
	got, _ := s.GetConnection(ctx, "c")
	if got.Label != "Renamed" || got.Owner != "cli_1" || !reflect.DeepEqual(got.WorkspaceIDs, []string{"ws2"}) {
		t.Fatalf("a check undid user edits: %+v", got)
	}
	if got.Status != domain.StatusActive || got.Identity != "octo-2" || got.LastError != nil {
		t.Fatalf("check not recorded: %+v", got)
	}

	// A new credential: a check that read the old one is dropped.
	stale := got
	changed, err := s.ChangeCredential(ctx, "c", func(c *domain.Connection) error {
		c.SecretHint, c.Config["email"] = "••••new1", "new@b.c"
		c.ApplyCheck(domain.CheckResult{Class: domain.ClassOK, CheckedAt: at})
		return nil
	})
	if err != nil || changed.SecretVersion != stale.SecretVersion+1 {
		t.Fatalf("change credential: %+v %v", changed, err)
	}
	stale.ApplyCheck(domain.CheckResult{Class: domain.ClassRevoked, Message: "token_revoked", CheckedAt: at.Add(time.Second)})
	if ok, err := s.RecordCheck(ctx, stale); err != nil || ok {
		t.Fatalf("a check of the replaced secret was recorded: %v %v", ok, err)
	}
	got, _ = s.GetConnection(ctx, "c")
	if got.Status != domain.StatusActive || got.SecretHint != "••••new1" || got.Config["email"] != "new@b.c" || got.Label != "Renamed" {
		t.Fatalf("after the dropped check: %+v", got)
	}
	if _, err := s.RecordCheck(ctx, fullConnection("missing")); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("missing connection: %v", err)
	}
	if _, err := s.ChangeCredential(ctx, "missing", func(*domain.Connection) error { return nil }); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("missing connection: %v", err)
	}
}

func TestOneOpenNotificationUnderConcurrency(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	c := fullConnection("c")
	if err := s.CreateConnection(ctx, c); err != nil { // stored in error
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	added := 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.AddNotification(ctx, domain.Notification{ID: fmt.Sprintf("n%d", i), ConnectionID: "c", Severity: domain.SeverityCritical,
				Kind: domain.KindReauth, Title: "GitHub", Body: "b", CreatedAt: time.Now()}, domain.StatusError)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				added++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if unread, _ := s.UnreadCritical(ctx); added != 1 || len(unread) != 1 {
		t.Fatalf("%d added, %d unread critical; want 1", added, len(unread))
	}
	// Not while the stored status differs (a superseded check).
	if ok, err := s.AddNotification(ctx, domain.Notification{ID: "x", ConnectionID: "c", Severity: domain.SeverityWarning,
		Kind: domain.KindExpiry, Title: "GitHub", Body: "b", CreatedAt: time.Now()}, domain.StatusActive); ok || err != nil {
		t.Fatalf("added while the status was not active: %v %v", ok, err)
	}
	if n, err := s.ResolveNotifications(ctx, "c", domain.KindReauth, time.Now(), domain.StatusActive); n != 0 || err != nil {
		t.Fatalf("resolved while the connection is in error: %d %v", n, err)
	}
}

// TestUpgradeFromPreviousRelease opens a database written by the release
// before migrations 0014 and 0015 (schema 13), with two open notifications
// for one connection, and upgrades it.
func TestUpgradeFromPreviousRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(migrationFS, "migrations/*.sql")
	sort.Strings(names)
	applied := 0
	for _, n := range names {
		if strings.Compare(filepath.Base(n), "0014") >= 0 {
			break
		}
		body, _ := migrationFS.ReadFile(n)
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		applied++
	}
	if applied != 13 {
		t.Fatalf("the previous release had 13 migrations, found %d", applied)
	}
	for _, q := range []string{
		"PRAGMA user_version = 13",
		`INSERT INTO connections (id, provider, auth_mode, label, status, created_at, updated_at) VALUES ('c', 'github', 'pat', 'GitHub', 'error', '2026-11-20T00:00:00Z', '2026-11-20T00:00:00Z')`,
		`INSERT INTO notifications (id, connection_id, severity, kind, title, body, created_at) VALUES ('n1', 'c', 'critical', 'reauth', 'GitHub', 'b', '2026-11-20T01:00:00Z')`,
		`INSERT INTO notifications (id, connection_id, severity, kind, title, body, created_at) VALUES ('n2', 'c', 'critical', 'reauth', 'GitHub', 'b', '2026-11-20T01:00:01Z')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	c, err := s.GetConnection(ctx, "c")
	if err != nil || c.SecretVersion != 0 || c.Label != "GitHub" {
		t.Fatalf("connection after upgrade: %+v %v", c, err)
	}
	unread, _ := s.UnreadCritical(ctx)
	if len(unread) != 1 || unread[0].ID != "n1" {
		t.Fatalf("open notifications after upgrade: %+v", unread)
	}
	if ok, _ := s.AddNotification(ctx, domain.Notification{ID: "n3", ConnectionID: "c", Severity: domain.SeverityCritical,
		Kind: domain.KindReauth, Title: "GitHub", Body: "b", CreatedAt: time.Now()}, ""); ok {
		t.Fatal("a second open notification was added after the upgrade")
	}
}

// SetConnectionConfigIfUnset is a compare-and-set of one setting: it sets
// a missing key (keeping the others), and never replaces a value already
// there; an unknown connection is no write.
func TestSetConnectionConfigIfUnset(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	workspace(t, s, "ws1")
	if err := s.CreateConnection(ctx, fullConnection("c", "ws1")); err != nil {
		t.Fatal(err)
	}
	before, _ := s.GetConnection(ctx, "c")
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	if set, err := s.SetConnectionConfigIfUnset(ctx, "c", "tokenAuthMethod", "client_secret_post", at); err != nil || !set {
		t.Fatalf("first set: %v %v", set, err)
	}
	if set, err := s.SetConnectionConfigIfUnset(ctx, "c", "tokenAuthMethod", "client_secret_basic", at); err != nil || set {
		t.Fatalf("second set replaced the recorded value: %v %v", set, err)
	}
	got, _ := s.GetConnection(ctx, "c")
	if got.Config["tokenAuthMethod"] != "client_secret_post" || len(got.Config) != len(before.Config)+1 {
		t.Fatalf("config %v, want the first value added to %v", got.Config, before.Config)
	}
	if set, err := s.SetConnectionConfigIfUnset(ctx, "nope", "k", "v", at); err != nil || set {
		t.Fatalf("unknown connection: %v %v", set, err)
	}
}
