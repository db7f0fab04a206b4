package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/backend/domain"
)

func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func workspace(t *testing.T, s *Store, id string) domain.Workspace {
	t.Helper()
	w := domain.Workspace{ID: id, Slug: id, Name: strings.ToUpper(id), CreatedAt: time.Now().UTC()}
	if err := s.CreateWorkspace(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

func fullConnection(id string, ws ...string) domain.Connection {
	exp := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	checked := time.Date(2026, 11, 24, 9, 0, 0, 123, time.UTC)
	rate := 42
	return domain.Connection{
		ID: id, Provider: "github", AuthMode: "pat", Label: "GitHub " + id, Owner: domain.OwnerTeam,
		WorkspaceIDs: ws, BaseURL: "https://api.github.com", Config: map[string]string{"email": "a@b.c"},
		Identity: "octo", Scopes: []string{"repo", "read:org"}, TokenExpiresAt: &exp, RateLimitRemain: &rate,
		Status: domain.StatusError, StatusDescription: "Reconnection needed.",
		LastError:  &domain.CheckResult{Class: domain.ClassInvalidCredentials, HTTPStatus: 401, Message: "Bad credentials", CheckedAt: checked},
		SecretHint: "••••abcd", LastCheckedAt: &checked,
		Credentials: []domain.CredentialInfo{{Hint: "••••abcd", Identity: "bot-1", Class: domain.ClassOK, RateRemaining: &rate, CheckedAt: checked}},
		CreatedAt:   time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
	}
}

func TestConnectionRoundTrip(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	workspace(t, s, "ws1")
	workspace(t, s, "ws2")
	want := fullConnection("c1", "ws1", "ws2")
	if err := s.CreateConnection(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetConnection(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", got, want)
	}
	// Minimal connection: empty collections come back non-nil.
	min := domain.Connection{ID: "c2", Provider: "p", AuthMode: "m", Label: "a", Status: domain.StatusPending}
	if err := s.CreateConnection(ctx, min); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListConnections(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "c2" {
		t.Fatalf("list %+v %v", list, err)
	}
	if list[0].Config == nil || list[0].Scopes == nil || list[0].WorkspaceIDs == nil || list[0].Credentials == nil || list[0].LastError != nil {
		t.Fatalf("nil collections: %+v", list[0])
	}
	want.Label, want.WorkspaceIDs, want.LastError = "Renamed", []string{"ws2"}, nil
	if err := s.UpdateConnection(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetConnection(ctx, "c1")
	if got.Label != "Renamed" || !reflect.DeepEqual(got.WorkspaceIDs, []string{"ws2"}) || got.LastError != nil {
		t.Fatalf("after update %+v", got)
	}
}

// TestConnectionSummariesMatchConnections: the list's rows, as JSON built by
// SQLite, are what domain.Connection.Summary makes of each connection:
// the last error's class and message, the two config keys, a description
// only when it is not the status's usual one, and the workspaces.
func TestConnectionSummariesMatchConnections(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	workspace(t, s, "ws1")
	workspace(t, s, "ws2")
	broken := fullConnection("c1", "ws1", "ws2")
	broken.Config = map[string]string{"email": "a@b.c", domain.ConfigCredentialGroup: "c9"}
	interrupted := fullConnection("c2", "ws2")
	interrupted.Status, interrupted.StatusDescription = domain.StatusActive, domain.StatusActive.Description()
	interrupted.LastError = &domain.CheckResult{Class: domain.ClassProviderDown, Message: "GitHub is down", Causes: []string{"an outage"}, Checks: []string{"the status page"}}
	requested := domain.Connection{ID: "c3", Provider: "slack", AuthMode: "oauth", Label: "asked", Owner: "cl_1", Status: domain.StatusPending,
		StatusDescription: "Waiting for Acme to connect it.", Config: map[string]string{domain.ConfigAwaitingClient: "1"}}
	// A label JSON must escape, a revoked connection without workspaces or a
	// last check, and one whose description is its status's usual one.
	odd := domain.Connection{ID: "c4", Provider: "gitlab", AuthMode: "pat", Label: "Q\"A\\ <b>&amp; Zürich\u2028\t✓", Owner: domain.OwnerTeam,
		Status: domain.StatusRevoked, StatusDescription: "Disconnected."}
	pending := domain.Connection{ID: "c5", Provider: "jira", AuthMode: "oauth", Label: "jira", Owner: "cl_2", WorkspaceIDs: []string{"ws2", "ws1"},
		Status: domain.StatusPending, LastCheckedAt: broken.LastCheckedAt}
	for _, c := range []domain.Connection{broken, interrupted, requested, odd, pending} {
		if err := s.CreateConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	full, err := s.ListConnections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]domain.ConnectionSummary, len(full))
	for i, c := range full {
		want[i] = c.Summary()
	}
	// The JSON SQLite builds (the UI's ListConnections) is what encoding/json
	// makes of Summary(): the same values and the same fields.
	raw, err := s.ListConnectionSummaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []domain.ConnectionSummary
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("summaries differ:\n got %+v\nwant %+v\n%s", got, want, raw)
	}
	encoded, _ := json.Marshal(want)
	var a, b any
	if err := json.Unmarshal(raw, &a); err != nil || json.Unmarshal(encoded, &b) != nil || !reflect.DeepEqual(a, b) {
		t.Fatalf("SQLite's JSON has other fields than encoding/json's:\n%s\n%s", raw, encoded)
	}
	byID := map[string]domain.ConnectionSummary{}
	for _, c := range got {
		byID[c.ID] = c
	}
	if c := byID["c1"]; c.CredentialGroup != "c9" || c.LastError == nil || c.LastError.Class != domain.ClassInvalidCredentials || c.StatusDescription != "" || len(c.WorkspaceIDs) != 2 {
		t.Fatalf("broken connection's row: %+v", c)
	}
	if c := byID["c2"]; c.LastError == nil || c.LastError.Message != "GitHub is down" {
		t.Fatalf("interrupted connection's row: %+v", c)
	}
	if c := byID["c3"]; !c.AwaitingClient || c.StatusDescription != "Waiting for Acme to connect it." || c.WorkspaceIDs == nil || c.LastError != nil || c.LastCheckedAt != nil {
		t.Fatalf("requested connection's row: %+v", c)
	}
}

func TestNotFoundAndConflicts(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	workspace(t, s, "ws")
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"get missing connection", func() error { _, err := s.GetConnection(ctx, "x"); return err }(), domain.ENotFound},
		{"update missing connection", s.UpdateConnection(ctx, fullConnection("x")), domain.ENotFound},
		{"delete missing connection", s.DeleteConnection(ctx, "x"), domain.ENotFound},
		{"get missing workspace", func() error { _, err := s.GetWorkspace(ctx, "x"); return err }(), domain.ENotFound},
		{"duplicate slug", s.CreateWorkspace(ctx, domain.Workspace{ID: "other", Slug: "ws", Name: "W"}), domain.EConflict},
		{"link to missing workspace", s.CreateConnection(ctx, fullConnection("c", "nope")), domain.EInternal},
	}
	for _, tt := range tests {
		if got := domain.ErrorCode(tt.err); got != tt.code {
			t.Errorf("%s: code %q (%v), want %q", tt.name, got, tt.err, tt.code)
		}
	}
	if _, err := s.GetConnection(ctx, "c"); domain.ErrorCode(err) != domain.ENotFound {
		t.Error("a failed create left a row behind")
	}
}

func TestDeleteCascadesLinks(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	workspace(t, s, "ws")
	if err := s.CreateConnection(ctx, fullConnection("c", "ws")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConnection(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.reader.QueryRow(`SELECT count(*) FROM connection_workspaces`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d links left", n)
	}
}

func TestMigrationsIdempotentAndNewerRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := migrations()
	if s.SchemaVersion() != len(ms) {
		t.Fatalf("version %d, want %d", s.SchemaVersion(), len(ms))
	}
	workspace(t, s, "keep")
	s.Close()
	if s, err = Open(path); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if _, err := s.GetWorkspace(context.Background(), "keep"); err != nil {
		t.Fatalf("data lost on reopen: %v", err)
	}
	_, _ = s.writer.Exec("PRAGMA user_version = 99")
	s.Close()
	before, _ := os.ReadFile(path)
	_, err = Open(path)
	if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "newer version of Patchbay (schema 99") {
		t.Fatalf("newer schema: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("a newer database was modified")
	}
}

func TestNotSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	junk := bytes.Repeat([]byte("not a database at all. "), 100)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "not a Patchbay database") {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, junk) {
		t.Fatal("the file was modified")
	}
}

func TestLockedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := OpenWithOptions(path, Options{BusyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	workspace(t, s, "before")
	other, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetMaxOpenConns(1)
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec("INSERT INTO workspaces (id, slug, name, created_at) VALUES ('lock','lock','L','x')"); err != nil {
		t.Fatal(err)
	}
	err = s.CreateWorkspace(context.Background(), domain.Workspace{ID: "w", Slug: "w", Name: "W"})
	if domain.ErrorCode(err) != domain.EUnavailable || !strings.Contains(err.Error(), "locked by another program") {
		t.Fatalf("err = %v", err)
	}
	_ = tx.Rollback()
	if _, err := s.GetWorkspace(context.Background(), "before"); err != nil {
		t.Fatalf("existing data lost: %v", err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	s := open(t)
	workspace(t, s, "ws")
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- s.CreateConnection(context.Background(), fullConnection(fmt.Sprintf("c%02d", i), "ws"))
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	list, _ := s.ListConnections(context.Background())
	if len(list) != 20 {
		t.Fatalf("%d connections", len(list))
	}
}

func TestChecksHistory(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	if err := s.CreateConnection(ctx, fullConnection("c")); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	rate := 7
	for i := 0; i < 5; i++ {
		r := domain.CheckResult{Class: domain.ClassOK, Message: fmt.Sprint("check ", i), LatencyMS: int64(i), CheckedAt: base.Add(time.Duration(i) * time.Minute)}
		if i == 4 {
			r.Class, r.HTTPStatus, r.RateRemaining = domain.ClassInvalidCredentials, 401, &rate
		}
		if err := s.AddCheck(ctx, "c", r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ListChecks(ctx, "c", 3)
	if err != nil || len(got) != 3 {
		t.Fatalf("%v %v", got, err)
	}
	if got[0].Message != "check 4" || got[0].Class != domain.ClassInvalidCredentials || got[0].HTTPStatus != 401 || *got[0].RateRemaining != 7 || got[2].Message != "check 2" {
		t.Fatalf("order or fields wrong: %+v", got)
	}
	_ = s.DeleteConnection(ctx, "c")
	if got, _ := s.ListChecks(ctx, "c", 10); len(got) != 0 {
		t.Fatal("checks outlived their connection")
	}
}

// TestUptimeAndPrune runs at several clock readings (a past day, the wall
// clock, a far-future day and a leap day just before midnight): the rollup
// table Uptime reads must follow the caller's clock, never the wall clock.
func TestUptimeAndPrune(t *testing.T) {
	for _, now := range []time.Time{
		time.Date(2026, 11, 24, 12, 30, 0, 0, time.UTC),
		time.Now().UTC(),
		time.Date(2031, 6, 1, 9, 15, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 23, 30, 0, 0, time.UTC),
	} {
		t.Run(now.Format(time.RFC3339), func(t *testing.T) { testUptimeAndPrune(t, now) })
	}
}

func testUptimeAndPrune(t *testing.T, now time.Time) {
	s := open(t)
	ctx := context.Background()
	if err := s.CreateConnection(ctx, fullConnection("c")); err != nil {
		t.Fatal(err)
	}
	cutoff := now.Add(-24 * time.Hour)
	// keptDays counts the checks on or after the cutoff's (UTC) day: what the daily rollup keeps.
	keptDays := 0
	for i := 0; i < 48; i++ { // one check an hour for two days; every 4th fails
		class := domain.ClassOK
		if i%4 == 0 {
			class = domain.ClassProviderDown
		}
		at := now.Add(-time.Duration(i) * time.Hour)
		if at.UTC().Format("2006-01-02") >= cutoff.UTC().Format("2006-01-02") {
			keptDays++
		}
		if err := s.AddCheck(ctx, "c", domain.CheckResult{Class: class, LatencyMS: int64(i), CheckedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	// 24 hours read the hourly rollup: the checks from the cutoff's hour on.
	up, err := s.Uptime(ctx, cutoff, now)
	if err != nil {
		t.Fatal(err)
	}
	if u := up["c"]; u.Checks != 25 || u.OK != 18 || u.MaxLatencyMS != 24 {
		t.Fatalf("24 h uptime %+v, want 25 checks, 18 ok, max latency 24 (hourly rollup)", u)
	}
	n, err := s.Prune(ctx, cutoff)
	if err != nil || n != 23 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	// 72 hours read the daily rollup, which keeps whole days: the cutoff's day stays.
	if up, err = s.Uptime(ctx, now.Add(-72*time.Hour), now); err != nil || up["c"].Checks != keptDays {
		t.Fatalf("72 h uptime %+v (%v), want %d checks: the daily rollup, pruned with the checks", up["c"], err, keptDays)
	}
}
