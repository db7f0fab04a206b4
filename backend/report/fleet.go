package report

import (
	"fmt"
	"strings"

	"patchbay/backend/domain"
)

// Colours of the fleet charts, the same as the Health page's.
const (
	colHealthy  = "#16a34a"
	colDegraded = "#f59e0b"
	colFailing  = "#dc2626"
	colNone     = "#e5e7eb"
)

// uptimeColour maps a day's uptime to a heat map colour (nil: no checks).
func uptimeColour(u *float64) string {
	switch {
	case u == nil:
		return colNone
	case *u >= 99.9:
		return colHealthy
	case *u >= 95:
		return "#84cc16"
	case *u >= 80:
		return colDegraded
	case *u > 0:
		return "#f97316"
	}
	return colFailing
}

// FleetCharts renders the Health page's four charts as inline SVG (no
// script, nothing from the network), for the offline HTML report.
// The result is HTML: every text in it went through esc.
func FleetCharts(f domain.FleetHealth) string {
	var b strings.Builder
	b.WriteString(heatMap(f))
	b.WriteString(statusStack(f))
	b.WriteString(latencyBars(f))
	b.WriteString(budgetBars(f))
	return b.String()
}

// htmlEscaper is html/template's HTMLEscapeString: element content and
// quoted attribute values.
var htmlEscaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;")

func esc(s string) string { return htmlEscaper.Replace(s) }

func heatMap(f domain.FleetHealth) string {
	const cell, gap, left, top = 12, 2, 220, 18
	rows := f.Rows
	if len(rows) > 200 {
		rows = rows[:200] // the worst 200: the report stays readable
	}
	w := left + len(f.Days)*(cell+gap)
	h := top + len(rows)*(cell+gap) + 4
	var b strings.Builder
	fmt.Fprintf(&b, `<h2>Uptime, last %d days</h2><svg class="chart" width="%d" height="%d" role="img" aria-label="Uptime heat map: %d connections by day">`, len(f.Days), w, h, len(rows))
	if len(f.Days) > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="12" font-size="10" fill="#6b7280">%s</text><text x="%d" y="12" font-size="10" fill="#6b7280" text-anchor="end">%s</text>`,
			left, esc(f.Days[0]), w, esc(f.Days[len(f.Days)-1]))
	}
	for i, r := range rows {
		y := top + i*(cell+gap)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end">%s</text>`, left-6, y+10, esc(truncate(r.Label, 32)))
		for j, u := range r.Uptime {
			title := f.Days[j] + ": no checks"
			if u != nil {
				title = fmt.Sprintf("%s: %.1f %% of %d checks", f.Days[j], *u, r.Checks[j])
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s — %s</title></rect>`,
				left+j*(cell+gap), y, cell, cell, uptimeColour(u), esc(r.Label), esc(title))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func statusStack(f domain.FleetHealth) string {
	const bw, gap, h, top = 14, 4, 120, 10
	peak := 1
	for _, d := range f.StatusByDay {
		peak = max(peak, d.Healthy+d.Degraded+d.Failing+d.NoChecks)
	}
	w := len(f.StatusByDay) * (bw + gap)
	var b strings.Builder
	fmt.Fprintf(&b, `<h2>Connections by status, per day</h2><svg class="chart" width="%d" height="%d" role="img" aria-label="Stacked daily counts of healthy, degraded, failing and unchecked connections">`, w, h+top+16)
	for i, d := range f.StatusByDay {
		x, y := i*(bw+gap), top+h
		for _, part := range []struct {
			n      int
			colour string
			name   string
		}{{d.Healthy, colHealthy, "healthy"}, {d.Degraded, colDegraded, "degraded"}, {d.Failing, colFailing, "failing"}, {d.NoChecks, colNone, "no checks"}} {
			if part.n == 0 {
				continue
			}
			ph := part.n * h / peak
			y -= ph
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s: %d %s</title></rect>`, x, y, bw, ph, part.colour, esc(d.Day), part.n, part.name)
		}
	}
	b.WriteString(`</svg><p class="legend"><span style="color:` + colHealthy + `">■</span> healthy <span style="color:` + colDegraded + `">■</span> degraded <span style="color:` + colFailing + `">■</span> failing <span style="color:#9ca3af">■</span> no checks</p>`)
	return b.String()
}

func latencyBars(f domain.FleetHealth) string {
	const left, bh, gap, width = 200, 10, 10, 360
	var peak int64 = 1
	for _, l := range f.Latency {
		peak = max(peak, l.P95MS)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<h2>Latency by provider, last %d days (p50 / p95)</h2>`, f.LatencyDays)
	if len(f.Latency) == 0 {
		b.WriteString(`<p class="muted">No successful checks in that window.</p>`)
		return b.String()
	}
	fmt.Fprintf(&b, `<svg class="chart" width="%d" height="%d" role="img" aria-label="Latency percentiles per provider">`, left+width+90, len(f.Latency)*(2*bh+gap))
	for i, l := range f.Latency {
		y := i * (2*bh + gap)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end">%s</text>`, left-6, y+bh+4, esc(l.Provider))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#93c5fd"><title>p50 %d ms</title></rect>`, left, y, int64(width)*l.P50MS/peak, bh, l.P50MS)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#2563eb"><title>p95 %d ms</title></rect>`, left, y+bh, int64(width)*l.P95MS/peak, bh, l.P95MS)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" fill="#374151">%d / %d ms</text>`, left+int(int64(width)*l.P95MS/peak)+4, y+bh+4, l.P50MS, l.P95MS)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func budgetBars(f domain.FleetHealth) string {
	const left, bh, gap, width = 200, 14, 8, 360
	var b strings.Builder
	b.WriteString(`<h2>Rate limit left per PAT pool</h2>`)
	if len(f.Budgets) == 0 {
		b.WriteString(`<p class="muted">No connection has a pool of PATs.</p>`)
		return b.String()
	}
	fmt.Fprintf(&b, `<svg class="chart" width="%d" height="%d" role="img" aria-label="Remaining rate limit of each PAT pool">`, left+width+120, len(f.Budgets)*(bh+gap))
	for i, p := range f.Budgets {
		y := i * (bh + gap)
		filled := 0
		if p.Limit > 0 {
			filled = width * min(p.Remaining, p.Limit) / p.Limit
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end">%s</text>`, left-6, y+11, esc(truncate(p.Label, 30)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, left, y, width, bh, colNone)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#16a34a"/>`, left, y, filled, bh)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" fill="#374151">%d of %d (%d PATs)</text>`, left+width+4, y+11, p.Remaining, p.Limit, p.PATs)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
