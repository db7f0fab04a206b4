// Package report renders the offline health report (HTML with inline
// charts, JSON, CSV) from what the store already holds. It never sees a
// secret: its input is connections, uptime and check history.
package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"sort"
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
		// write writes one record, every cell made safe to open in a
		// spreadsheet (identities and error messages come from providers).
		write := func(cells []string) {
			for i := range cells {
				cells[i] = CSVCell(cells[i])
			}
			_ = w.Write(cells)
		}
		write([]string{"id", "label", "provider", "status", "interrupted", "identity", "last_checked", "uptime_24h_pct", "uptime_7d_pct", "uptime_30d_pct", "last_error"})
		for _, row := range r.Rows {
			checked := ""
			if row.LastChecked != nil {
				checked = row.LastChecked.UTC().Format(time.RFC3339)
			}
			write([]string{row.ID, row.Label, row.Provider, string(row.Status), strconv.FormatBool(row.Interrupted), row.Identity, checked,
				pct(row.Uptime24h), pct(row.Uptime7d), pct(row.Uptime30d), row.LastError})
		}
		if len(r.Audit) > 0 {
			// The audit log follows as a second block with the same number
			// of columns, after a header row whose fields start with audit_.
			write([]string{"audit_at", "audit_connection_id", "audit_connection", "audit_action", "audit_outcome", "audit_actor", "audit_detail", "", "", "", ""})
			for _, e := range r.Audit {
				write([]string{e.At.UTC().Format(time.RFC3339), e.ConnectionID, e.ConnectionLabel, e.Action, e.Outcome, e.Actor, e.Detail, "", "", "", ""})
			}
		}
		w.Flush()
		return buf.Bytes(), "text/csv", w.Error()
	case "html":
		return renderHTML(r), "text/html", nil
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
func sparkline(recent []domain.CheckRecord) string {
	if len(recent) == 0 {
		return `<span class="muted">no checks yet</span>`
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
			fmt.Fprintf(&dots, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="#dc2626"><title>%s</title></circle>`, x, y, esc(string(c.Class)))
		}
	}
	return fmt.Sprintf(`<svg width="%.0f" height="%.0f" role="img" aria-label="latency of the last %d checks"><polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="%s"/>%s</svg>`,
		w, h, n, strings.TrimSpace(pts.String()), dots.String())
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// renderHTML writes the HTML report: one self-contained page, inline CSS
// and SVG, no script, nothing from the network. Every text from the report
// goes through text() (in element content and in the one attribute that
// carries data, class). It is written out by hand rather than with
// html/template, which would add about half a megabyte to the binary
// (issue 18); testdata/report.golden.html, written by the html/template
// version, pins the output byte for byte.
func renderHTML(r Report) []byte {
	var b bytes.Buffer
	w := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	w(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Patchbay health report</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#111827}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #e5e7eb;padding:.4em .6em;text-align:left;vertical-align:middle}th{font-size:.8em;text-transform:uppercase;color:#6b7280}
.chart{display:block;margin:.5em 0 1em;max-width:100%;height:auto}.legend{font-size:.85em;color:#374151}
.error{color:#b91c1c;font-weight:600}.interrupted{color:#b45309;font-weight:600}.active{color:#15803d}.muted{color:#6b7280}</style></head>
<body><h1>Patchbay health report</h1>
<p class="muted">Generated `, text(r.GeneratedAt.UTC().Format("2006-01-02 15:04 UTC")), ` by Patchbay `, text(r.Version), ` · `, strconv.Itoa(len(r.Rows)), ` connections ·
`)
	keys := make([]string, 0, len(r.Counts))
	for k := range r.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w(text(k), `: `, strconv.Itoa(r.Counts[k]), ` `)
	}
	w("</p>\n")
	if r.Fleet != nil {
		w(FleetCharts(*r.Fleet))
	}
	w(`
<h2>Connections</h2>
<table><thead><tr><th>Connection</th><th>Provider</th><th>Status</th><th>Identity</th><th>Last checked</th><th>Uptime 24 h</th><th>7 d</th><th>30 d</th><th>Latency (recent)</th><th>Last error</th></tr></thead><tbody>
`)
	for _, row := range r.Rows {
		status := text(string(row.Status))
		if row.Interrupted {
			status = "interrupted"
		}
		checked := "never"
		if row.LastChecked != nil {
			checked = row.LastChecked.UTC().Format("2006-01-02 15:04 UTC")
		}
		w(`<tr><td>`, text(row.Label), `</td><td>`, text(row.Provider), `</td>
<td class="`, status, `">`, status, ` — `, text(row.Description), `</td>
<td>`, text(row.Identity), `</td><td>`, text(checked), `</td><td>`, text(pct(row.Uptime24h)), `</td><td>`, text(pct(row.Uptime7d)), `</td><td>`, text(pct(row.Uptime30d)), `</td>
<td>`, sparkline(row.Recent), `</td><td>`, text(row.LastError), "</td></tr>\n")
	}
	w(`</tbody></table>
`)
	if len(r.Audit) > 0 {
		w(`<h2>Activity</h2>
<p class="muted">Credential events, newest first: who used or changed which credential, when. Never a secret.</p>
<table><thead><tr><th>When</th><th>Connection</th><th>Action</th><th>Outcome</th><th>Actor</th><th>Detail</th></tr></thead><tbody>
`)
		for _, e := range r.Audit {
			class := ""
			switch e.Outcome {
			case "failed":
				class = "error"
			case "transient":
				class = "interrupted"
			}
			w(`<tr><td>`, text(e.At.UTC().Format("2006-01-02 15:04:05 UTC")), `</td><td>`, text(e.ConnectionLabel), `</td><td>`, text(e.Action), `</td>
<td class="`, class, `">`, text(e.Outcome), `</td><td>`, text(e.Actor), `</td><td>`, text(e.Detail), "</td></tr>\n")
		}
		w(`</tbody></table>`)
	}
	w("</body></html>\n")
	return b.Bytes()
}

// textEscaper escapes text for HTML element content and quoted attribute
// values exactly as html/template does there (NUL becomes U+FFFD; + is
// escaped too, against UTF-7 sniffing).
var textEscaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

func text(s string) string { return textEscaper.Replace(s) }

// CSVCell makes a cell safe to open in a spreadsheet: text that starts
// with =, +, -, @, a tab or a carriage return (a formula to Excel, Calc and
// Sheets) is prefixed with ' so it stays text (OWASP "CSV Injection").
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
