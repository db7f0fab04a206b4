package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"patchbay/backend/domain"
)

// TestAddChecksMatchesAddCheck: the batched insert of the demo's history
// leaves the checks and both rollups exactly as one AddCheck per check does.
func TestAddChecksMatchesAddCheck(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	var rs []domain.CheckResult
	for i := 0; i < 12; i++ {
		class := domain.ClassOK
		if i%5 == 0 {
			class = domain.ClassProviderDown
		}
		rs = append(rs, domain.CheckResult{Class: class, LatencyMS: int64(10 * (i + 1)), Message: "m", CheckedAt: base.Add(time.Duration(i) * 40 * time.Minute)})
	}
	open := func(name string) (*Store, string) {
		st, err := Open(filepath.Join(t.TempDir(), name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		w := domain.Workspace{ID: "ws", Slug: "ws", Name: "ws", CreatedAt: base}
		if err := st.CreateWorkspace(ctx, w); err != nil {
			t.Fatal(err)
		}
		c := domain.Connection{ID: "c1", Provider: "p", AuthMode: "m", Label: "l", Owner: domain.OwnerTeam, WorkspaceIDs: []string{"ws"}, Config: map[string]string{},
			Status: domain.StatusActive, CreatedAt: base, UpdatedAt: base}
		if err := st.CreateConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
		return st, c.ID
	}
	one, id := open("one.db")
	for _, r := range rs {
		if err := one.AddCheck(ctx, id, r); err != nil {
			t.Fatal(err)
		}
	}
	batch, _ := open("batch.db")
	if err := batch.AddChecks(ctx, id, rs[:7]); err != nil {
		t.Fatal(err)
	}
	if err := batch.AddChecks(ctx, id, rs[7:]); err != nil { // a second batch adds to the same buckets
		t.Fatal(err)
	}
	for _, q := range []string{
		`SELECT count(*), sum(latency_ms), group_concat(class) FROM checks`,
		`SELECT group_concat(hour || ':' || checks || ':' || ok || ':' || latency_sum_ms || ':' || latency_max_ms) FROM (SELECT * FROM check_hourly ORDER BY hour)`,
		`SELECT group_concat(day || ':' || checks || ':' || ok || ':' || latency_sum_ms || ':' || latency_max_ms) FROM (SELECT * FROM check_daily ORDER BY day)`,
	} {
		var a, b [3]any
		if err := one.reader.QueryRowContext(ctx, q).Scan(&a[0], &a[1], &a[2]); err != nil && len(q) > 0 {
			if err2 := one.reader.QueryRowContext(ctx, q).Scan(&a[0]); err2 != nil {
				t.Fatal(err2)
			}
			_ = batch.reader.QueryRowContext(ctx, q).Scan(&b[0])
		} else {
			_ = batch.reader.QueryRowContext(ctx, q).Scan(&b[0], &b[1], &b[2])
		}
		if a != b {
			t.Errorf("%s\n one by one: %v\n batched:    %v", q, a, b)
		}
	}
}
