package service

import (
	"context"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/report"
)

// Export is a rendered health report.
type Export struct {
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
	Body        string `json:"body"`
}

// ExportReport renders the health report (html, json or csv) from the local
// database only, so it works offline. It never contains a secret.
func (s *Service) ExportReport(ctx context.Context, format string) (Export, error) {
	conns, err := s.store.ListConnections(ctx)
	if err != nil {
		return Export{}, err
	}
	now := s.now().UTC()
	windows := map[string]map[string]domain.Uptime{}
	for name, d := range map[string]time.Duration{"24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour} {
		if windows[name], err = s.store.Uptime(ctx, now.Add(-d), now); err != nil {
			return Export{}, err
		}
	}
	r := report.Report{GeneratedAt: now, Version: s.info.Version, Counts: map[string]int{}, Rows: []report.Row{}}
	if format == "html" {
		fleet, err := s.GetFleetHealth(ctx)
		if err != nil {
			return Export{}, err
		}
		r.Fleet = &fleet
	}
	for _, c := range conns {
		recent, err := s.store.ListChecks(ctx, c.ID, 30)
		if err != nil {
			return Export{}, err
		}
		row := report.Row{ID: c.ID, Label: c.Label, Provider: c.Provider, Status: c.Status, Interrupted: c.Interrupted(),
			Description: c.StatusDescription, Identity: c.Identity, LastChecked: c.LastCheckedAt,
			Uptime24h: windows["24h"][c.ID], Uptime7d: windows["7d"][c.ID], Uptime30d: windows["30d"][c.ID], Recent: recent}
		if c.LastError != nil {
			row.LastError = c.LastError.Message
		}
		if p, ok := s.catalogue.Provider(c.Provider); ok {
			row.Provider = p.Name
		}
		key := string(c.Status)
		if row.Interrupted {
			key = "interrupted"
		}
		r.Counts[key]++
		r.Rows = append(r.Rows, row)
	}
	if r.Audit, err = s.store.ListAudit(ctx, domain.AuditFilter{Limit: 5000}); err != nil {
		return Export{}, err
	}
	body, ctype, err := report.Render(r, format)
	if err != nil {
		return Export{}, err
	}
	return Export{Filename: "patchbay-health-" + now.Format("20060102-1504") + "." + format, ContentType: ctype, Body: string(body)}, nil
}

// PruneHistory applies the retention period to the check history and the
// audit log (kept as long).
func (s *Service) PruneHistory(ctx context.Context, retention time.Duration) (int64, error) {
	cutoff := s.now().Add(-retention)
	if _, err := s.store.PruneAudit(ctx, cutoff); err != nil {
		return 0, err
	}
	return s.store.Prune(ctx, cutoff)
}

// UptimeWindows is a connection's uptime over the Monitoring tab's windows.
type UptimeWindows struct {
	H24 domain.Uptime `json:"h24"`
	D7  domain.Uptime `json:"d7"`
	D30 domain.Uptime `json:"d30"`
}

// GetUptime returns a connection's uptime over 24 hours, 7 and 30 days.
func (s *Service) GetUptime(ctx context.Context, id string) (UptimeWindows, error) {
	if _, err := s.store.GetConnection(ctx, id); err != nil {
		return UptimeWindows{}, err
	}
	now := s.now()
	var out UptimeWindows
	for _, w := range []struct {
		d   time.Duration
		dst *domain.Uptime
	}{{24 * time.Hour, &out.H24}, {7 * 24 * time.Hour, &out.D7}, {30 * 24 * time.Hour, &out.D30}} {
		m, err := s.store.Uptime(ctx, now.Add(-w.d), now)
		if err != nil {
			return out, err
		}
		*w.dst = m[id]
	}
	return out, nil
}
