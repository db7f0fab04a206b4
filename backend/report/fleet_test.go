package report

import (
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
)

// TestFleetChartsInline: the HTML report carries the four charts as inline
// SVG, with no script and nothing loaded from the network, and escapes
// labels.
func TestFleetChartsInline(t *testing.T) {
	full, half := 100.0, 50.0
	f := domain.FleetHealth{Days: []string{"2026-12-01", "2026-12-02"}, LatencyDays: 7,
		Rows: []domain.FleetRow{{ConnectionID: "c1", Label: `<script>alert(1)</script>`, Provider: "GitHub", Uptime: []*float64{&half, nil}, Checks: []int{2, 0}},
			{ConnectionID: "c2", Label: "Jira", Provider: "Jira", Uptime: []*float64{&full, &full}, Checks: []int{1, 1}}},
		StatusByDay: []domain.DayStatus{{Day: "2026-12-01", Healthy: 1, Degraded: 1}, {Day: "2026-12-02", Healthy: 1, NoChecks: 1}},
		Latency:     []domain.ProviderLatency{{Provider: "GitHub", P50MS: 40, P95MS: 120, Checks: 9}},
		Budgets:     []domain.PoolBudget{{ConnectionID: "c1", Label: "GitHub pool", PATs: 2, Remaining: 7000, Limit: 10000}}}
	body, _, err := Render(Report{GeneratedAt: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Fleet: &f}, "html")
	if err != nil {
		t.Fatal(err)
	}
	html := string(body)
	for _, want := range []string{"Uptime, last 2 days", "Connections by status, per day", "(p50 / p95)", "Rate limit left per PAT pool",
		"50.0 % of 2 checks", "2026-12-02: no checks", "p95 120 ms", "7000 of 10000 (2 PATs)", "&lt;script&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(html, "<script") || strings.Contains(html, "src=") || strings.Contains(html, "http://") || strings.Contains(html, "https://") {
		t.Error("the report loads or runs something (script, src or a URL)")
	}
	if n := strings.Count(html, "<svg"); n != 4 {
		t.Errorf("want 4 inline charts, got %d", n)
	}
}
