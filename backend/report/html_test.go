package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
)

var update = flag.Bool("update", false, "rewrite testdata/report.golden.html from the renderer")

// goldenReport has every branch of the HTML report: interrupted and plain
// rows, never and once checked, failed checks in the sparkline, each audit
// outcome, the fleet charts, and text with every character HTML escapes
// (< > & ' " + NUL) in each place text goes.
func goldenReport() Report {
	at := time.Date(2026, 12, 2, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	tricky := "a<b>&'\"+\x00ü"
	full, half := 100.0, 50.0
	return Report{
		GeneratedAt: at, Version: "1.2.3+" + tricky,
		Counts: map[string]int{"error": 1, "active": 2, tricky: 3},
		Rows: []Row{
			{ID: "c1", Label: "GitHub " + tricky, Provider: "GitHub", Status: domain.StatusActive, Description: "works " + tricky, Identity: "octo+cat@example.com",
				LastChecked: &at, Uptime24h: domain.Uptime{Checks: 4, OK: 3, Percent: 75}, Uptime7d: domain.Uptime{Checks: 10, OK: 10, Percent: 100},
				Recent: []domain.CheckRecord{{LatencyMS: 120, Class: domain.ClassOK}, {LatencyMS: 40, Class: domain.ClassNetwork}, {LatencyMS: 0, Class: domain.ClassOK}}},
			{ID: "c2", Label: "Jira", Provider: "Jira " + tricky, Status: domain.Status(tricky), Interrupted: true, Description: "stopped", LastError: "boom " + tricky},
			{ID: "c3", Label: "Slack", Provider: "Slack", Status: domain.StatusError, Recent: []domain.CheckRecord{{LatencyMS: 7, Class: domain.Class(tricky)}}},
		},
		Fleet: &domain.FleetHealth{Days: []string{"2026-12-01", "2026-12-02"}, LatencyDays: 7,
			Rows:        []domain.FleetRow{{ConnectionID: "c1", Label: tricky, Provider: "GitHub", Uptime: []*float64{&half, nil}, Checks: []int{2, 0}}, {ConnectionID: "c2", Label: "Jira", Uptime: []*float64{&full, &full}, Checks: []int{1, 1}}},
			StatusByDay: []domain.DayStatus{{Day: "2026-12-01", Healthy: 1, Degraded: 1}, {Day: tricky, Failing: 1, NoChecks: 1}},
			Latency:     []domain.ProviderLatency{{Provider: tricky, P50MS: 40, P95MS: 120, Checks: 9}},
			Budgets:     []domain.PoolBudget{{ConnectionID: "c1", Label: "pool " + tricky, PATs: 2, Remaining: 7000, Limit: 10000}}},
		Audit: []domain.AuditEvent{
			{At: at, ConnectionLabel: "GitHub " + tricky, Action: "refresh", Outcome: "failed", Actor: "window", Detail: tricky},
			{At: at.Add(time.Minute), ConnectionLabel: "Jira", Action: "refresh", Outcome: "transient", Actor: "serve"},
			{At: at.Add(2 * time.Minute), ConnectionLabel: "Slack", Action: "use", Outcome: "ok", Actor: "cli " + tricky},
		},
	}
}

// TestHTMLGolden pins the HTML report byte for byte (testdata/
// report.golden.html was written by the html/template renderer this
// package used before, so the hand-written one escapes the same way).
func TestHTMLGolden(t *testing.T) {
	got, ctype, err := Render(goldenReport(), "html")
	if err != nil || ctype != "text/html" {
		t.Fatalf("render: %v %q", err, ctype)
	}
	path := filepath.Join("testdata", "report.golden.html")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("HTML report differs from %s at byte %d:\n got  %q\n want %q", path, i, got[max(0, i-40):min(len(got), i+80)], want[max(0, i-40):min(len(want), i+80)])
	}
	for _, bad := range []string{"<b>", "\x00", "'+", `"+`} {
		if strings.Contains(string(got), bad) {
			t.Errorf("unescaped %q in the report", bad)
		}
	}
}

// TestHTMLEmpty: a report with no connections, no audit and no fleet.
func TestHTMLEmpty(t *testing.T) {
	got, _, err := Render(Report{GeneratedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, "html")
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	for _, want := range []string{"Generated 2026-01-01 00:00 UTC", "· 0 connections ·", "<tbody>\n</tbody>"} {
		if !strings.Contains(s, want) {
			t.Errorf("empty report lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "Activity") || strings.Contains(s, "<svg") {
		t.Errorf("empty report has an audit section or charts:\n%s", s)
	}
}
