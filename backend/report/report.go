// Package report renders the offline health report (HTML with inline
// charts, JSON, CSV) from what the store already holds. It never sees a
// secret: its input is connections, uptime and check history.
package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"patchbay/backend/domain"
)

// Row is one connection in the report.
type Row struct {
	ID          string               `json:"id"`
	Label       string               `json:"label"`
	Provider    string               `json:"provider"`
	Status      domain.Status        `json:"status"`
	Interrupted bool                 `json:"interrupted"`
	Description string               `json:"description"`
	Identity    string               `json:"identity"`
	LastChecked *time.Time           `json:"lastChecked,omitempty"`
	LastError   string               `json:"lastError,omitempty"`
	Uptime24h   domain.Uptime        `json:"uptime24h"`
	Uptime7d    domain.Uptime        `json:"uptime7d"`
	Uptime30d   domain.Uptime        `json:"uptime30d"`
	Recent      []domain.CheckRecord `json:"recent"`
}

// Report is the whole health report.
type Report struct {
	GeneratedAt time.Time      `json:"generatedAt"`
	Version     string         `json:"version"`
	Counts      map[string]int `json:"counts"`
	Rows        []Row          `json:"connections"`
	// Fleet holds the Health page's charts, drawn inline in the HTML.
	Fleet *domain.FleetHealth `json:"fleet,omitempty"`
	// Audit is the audit log's credential events, newest first (never a
	// secret).
	Audit []domain.AuditEvent `json:"audit"`
}

// Formats lists the supported formats.
var Formats = []string{"html", "json", "csv"}

// Render writes the report in format ("html", "json" or "csv").
func Render(r Report, format string) ([]byte, string, error) {
	switch format {
	case "json":
		b, err := json.MarshalIndent(r, "", "  ")
		return b, "application/json", err
	case "csv":
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		_ = w.Write([]string{"id", "label", "provider", "status", "interrupted", "identity", "last_checked", "uptime_24h_pct", "uptime_7d_pct", "uptime_30d_pct", "last_error"})
		for _, row := range r.Rows {
			checked := ""
			if row.LastChecked != nil {
				checked = row.LastChecked.UTC().Format(time.RFC3339)
			}
			cells := []string{row.ID, row.Label, row.Provider, string(row.Status), strconv.FormatBool(row.Interrupted), row.Identity, checked,
				pct(row.Uptime24h), pct(row.Uptime7d), pct(row.Uptime30d), row.LastError}
			for i := range cells {
				cells[i] = CSVCell(cells[i])
			}
			_ = w.Write(cells)
		}
		if len(r.Audit) > 0 {
			// The audit log follows as a second block with the same number
			// of columns, after a header row whose fields start with audit_.
			_ = w.Write([]string{"audit_at", "audit_connection_id", "audit_connection", "audit_action", "audit_outcome", "audit_actor", "audit_detail", "", "", "", ""})
			for _, e := range r.Audit {
				_ = w.Write([]string{e.At.UTC().Format(time.RFC3339), e.ConnectionID, e.ConnectionLabel, e.Action, e.Outcome, e.Actor, e.Detail, "", "", "", ""})
			}
		}
		w.Flush()
		return buf.Bytes(), "text/csv", w.Error()
	case "html":
		var buf bytes.Buffer
		err := page.Execute(&buf, r)
		return buf.Bytes(), "text/html", err
	}
	return nil, "", domain.Errorf(domain.EInvalid, "Unknown report format %q: use %s.", format, strings.Join(Formats, ", "))
}

func pct(u domain.Uptime) string {
	if u.Checks == 0 {
		return ""
	}
	return strconv.FormatFloat(u.Percent, 'f', 1, 64)
}

// sparkline draws recent latencies (oldest left) as an inline SVG polyline;
// failed checks are red dots.
func sparkline(recent []domain.CheckRecord) template.HTML {
	if len(recent) == 0 {
		return template.HTML(`<span class="muted">no checks yet</span>`)
	}
	const w, h = 160.0, 32.0
	var max int64 = 1
	for _, c := range recent {
		if c.LatencyMS > max {
			max = c.LatencyMS
		}
	}
	n := len(recent)
	var pts, dots strings.Builder
	for i := range recent {
		c := recent[n-1-i]
		x := w * float64(i) / float64(max1(n-1))
		y := h - 2 - (h-4)*float64(c.LatencyMS)/float64(max)
		fmt.Fprintf(&pts, "%.1f,%.1f ", x, y)
		if c.Class != domain.ClassOK {
			fmt.Fprintf(&dots, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="#dc2626"><title>%s</title></circle>`, x, y, template.HTMLEscapeString(string(c.Class)))
		}
	}
	return template.HTML(fmt.Sprintf(`<svg width="%.0f" height="%.0f" role="img" aria-label="latency of the last %d checks"><polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="%s"/>%s</svg>`,
		w, h, n, strings.TrimSpace(pts.String()), dots.String()))
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{"spark": sparkline, "pct": pct,
	"fleet": func(f *domain.FleetHealth) template.HTML { return FleetCharts(*f) },
	"when": func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	}}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Patchbay health report</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#111827}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #e5e7eb;padding:.4em .6em;text-align:left;vertical-align:middle}th{font-size:.8em;text-transform:uppercase;color:#6b7280}
.chart{display:block;margin:.5em 0 1em;max-width:100%;height:auto}.legend{font-size:.85em;color:#374151}
.error{color:#b91c1c;font-weight:600}.interrupted{color:#b45309;font-weight:600}.active{color:#15803d}.muted{color:#6b7280}</style></head>
<body><h1>Patchbay health report</h1>
<p class="muted">Generated {{.GeneratedAt.UTC.Format "2006-01-02 15:04 UTC"}} by Patchbay {{.Version}} · {{len .Rows}} connections ·
{{range $k, $v := .Counts}}{{$k}}: {{$v}} {{end}}</p>
{{if .Fleet}}{{fleet .Fleet}}{{end}}
<h2>Connections</h2>
<table><thead><tr><th>Connection</th><th>Provider</th><th>Status</th><th>Identity</th><th>Last checked</th><th>Uptime 24 h</th><th>7 d</th><th>30 d</th><th>Latency (recent)</th><th>Last error</th></tr></thead><tbody>
{{range .Rows}}<tr><td>{{.Label}}</td><td>{{.Provider}}</td>
<td class="{{if .Interrupted}}interrupted{{else}}{{.Status}}{{end}}">{{if .Interrupted}}interrupted{{else}}{{.Status}}{{end}} — {{.Description}}</td>
<td>{{.Identity}}</td><td>{{when .LastChecked}}</td><td>{{pct .Uptime24h}}</td><td>{{pct .Uptime7d}}</td><td>{{pct .Uptime30d}}</td>
<td>{{spark .Recent}}</td><td>{{.LastError}}</td></tr>
{{end}}</tbody></table>
{{if .Audit}}<h2>Activity</h2>
<p class="muted">Credential events, newest first: who used or changed which credential, when. Never a secret.</p>
<table><thead><tr><th>When</th><th>Connection</th><th>Action</th><th>Outcome</th><th>Actor</th><th>Detail</th></tr></thead><tbody>
{{range .Audit}}<tr><td>{{.At.UTC.Format "2006-01-02 15:04:05 UTC"}}</td><td>{{.ConnectionLabel}}</td><td>{{.Action}}</td>
<td class="{{if eq .Outcome "failed"}}error{{else if eq .Outcome "transient"}}interrupted{{end}}">{{.Outcome}}</td><td>{{.Actor}}</td><td>{{.Detail}}</td></tr>
{{end}}</tbody></table>{{end}}</body></html>
`))

// CSVCell makes a cell safe to open in a spreadsheet: text that starts
// with =, +, -, @, a tab or a carriage return (a formula to Excel, Calc and
// Sheets) is prefixed with ' so it stays text (OWASP "CSV Injection").
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
