package store

import (
	"context"
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
