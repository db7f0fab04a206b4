package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"patchbay/backend/domain"
)

// BenchmarkDashboardQueries1M loads 1,000 connections × 1,000 checks (every
// 15 minutes) and times the dashboard's queries: 30-day uptime of every
// connection (from the hourly rollup) and one connection's last 50 checks.
// Target: under 20 ms each.
func BenchmarkDashboardQueries1M(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Now().UTC()
	tx, _ := s.writer.Begin()
	check, _ := tx.Prepare(`INSERT INTO checks (connection_id, checked_at, latency_ms, class, http_status, message) VALUES (?, ?, ?, 'ok', 200, 'ok')`)
	hourly, _ := tx.Prepare(`INSERT INTO check_hourly VALUES (?, ?, 4, 4, 400, 150) ON CONFLICT DO NOTHING`)
	daily, _ := tx.Prepare(`INSERT INTO check_daily VALUES (?, ?, 96, 96, 9600, 299) ON CONFLICT DO NOTHING`)
	for c := 0; c < 1000; c++ {
		id := fmt.Sprintf("c%04d", c)
		if _, err := tx.Exec(`INSERT INTO connections (id, provider, auth_mode, label, status, created_at, updated_at) VALUES (?, 'github', 'pat', ?, 'active', '', '')`, id, id); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 1000; i++ {
			at := now.Add(-time.Duration(i) * 15 * time.Minute)
			if _, err := check.Exec(id, fmtTime(at), i%300); err != nil {
				b.Fatal(err)
			}
			if i%4 == 0 {
				_, _ = hourly.Exec(id, at.Format("2006-01-02T15"))
			}
			if i%96 == 0 {
				_, _ = daily.Exec(id, at.Format("2006-01-02"))
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var uptime, recent time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		u, err := s.Uptime(ctx, now.Add(-30*24*time.Hour), now)
		if err != nil || len(u) != 1000 {
			b.Fatalf("%d %v", len(u), err)
		}
		uptime += time.Since(start)
		if u, err := s.Uptime(ctx, now.Add(-24*time.Hour), now); err != nil || len(u) != 1000 {
			b.Fatalf("24h: %d %v", len(u), err)
		}
		start = time.Now()
		list, err := s.ListChecks(ctx, fmt.Sprintf("c%04d", i%1000), 50)
		if err != nil || len(list) != 50 || list[0].Class != domain.ClassOK {
			b.Fatalf("%d %v", len(list), err)
		}
		recent += time.Since(start)
	}
	b.ReportMetric(float64(uptime.Microseconds())/float64(b.N)/1000, "ms-uptime-all")
	b.ReportMetric(float64(recent.Microseconds())/float64(b.N)/1000, "ms-last-50")
}
