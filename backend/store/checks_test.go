package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestUptimeReadsOnlyItsWindow: each uptime window is a range search of its
// rollup's covering index, not a scan of the whole table in primary-key
// order (which made the 24-hour window read all 30 days of hourly rows).
func TestUptimeReadsOnlyItsWindow(t *testing.T) {
	s := open(t)
	for _, roll := range rollups {
		rows, err := s.reader.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+uptimeQuery(roll), "2026-01-01")
		if err != nil {
			t.Fatalf("plan of %s: %v", roll.table, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		want := "SEARCH " + roll.table + " USING COVERING INDEX " + roll.table + "_window (" + roll.column + ">?)"
		if len(plan) == 0 || plan[0] != want {
			t.Errorf("uptime over %s: plan %q, want it to start with %q", roll.table, plan, want)
		}
	}
}

// TestMigrationNumbersArePositions: a database records how many migrations
// it has applied (PRAGMA user_version), so each file's number must be its
// position in the sorted list. A gap, or two branches landing 0016 after
// 0018, would make a database that saw 0018 as version 16 skip a migration.
func TestMigrationNumbersArePositions(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		want := fmt.Sprintf("migrations/%04d_", m.version)
		if !strings.HasPrefix(m.name, want) {
			t.Errorf("migration %s is applied as version %d: number the file %s…", m.name, m.version, want)
		}
	}
}
