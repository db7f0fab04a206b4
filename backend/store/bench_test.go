package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"patchbay/backend/domain"
)

// benchCheck is the i-th check of a benchmark connection: one every 15
// minutes back from now, latency 0-299 ms, one in 50 failing.
func benchCheck(now time.Time, i int) domain.CheckResult {
	r := domain.CheckResult{Class: domain.ClassOK, CheckedAt: now.Add(-time.Duration(i) * 15 * time.Minute), LatencyMS: int64(i % 300), HTTPStatus: 200, Message: "ok"}
	if i%50 == 49 {
		r.Class, r.HTTPStatus, r.Message = domain.ClassProviderDown, 503, "HTTP 503"
	}
	return r
}

// benchStore opens a store in a temp dir with conns connections.
func benchStore(b *testing.B, conns int) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	for c := 0; c < conns; c++ {
		id := fmt.Sprintf("c%04d", c)
		if err := s.CreateConnection(context.Background(), domain.Connection{ID: id, Provider: "github", AuthMode: "pat", Label: id, Status: domain.StatusActive}); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkAddCheck times AddCheck (the check row and its hourly and daily
// rollups, one transaction per check, as every check records it) over 1,000
// connections, round robin. Reports ms per check (target < 1 ms).
func BenchmarkAddCheck(b *testing.B) {
	s := benchStore(b, 1000)
	ctx := context.Background()
	now := time.Now().UTC()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := s.AddCheck(ctx, fmt.Sprintf("c%04d", i%1000), benchCheck(now, i/1000)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N)/1000, "ms/check")
}

// BenchmarkDashboardQueries1M records 1,000 connections × 1,000 checks (one
// every 15 minutes, about 10 days) through AddCheck's own statements, in
// transactions of 10,000 checks (one transaction per check, which
// BenchmarkAddCheck times, would take longer still; the seed takes minutes
// either way on a small machine), and
// times the dashboard's queries: the 30-day uptime of every connection (a
// window over 48 hours, so Uptime reads the daily rollup table check_daily),
// the 24-hour uptime of every connection (the hourly rollup table
// check_hourly) and one connection's last 50 checks (the checks table).
// Target: under 20 ms each. Each iteration seeds a new store (minutes: run
// it with -benchtime 1x) and times dashboardRounds rounds of the queries.
func BenchmarkDashboardQueries1M(b *testing.B) {
	for i := 0; i < b.N; i++ {
		dashboardQueries1M(b)
	}
}

// dashboardRounds is how many times each dashboard query is timed.
const dashboardRounds = 20

func dashboardQueries1M(b *testing.B) {
	b.StopTimer()
	defer b.StartTimer()
	const conns, perConn, batch = 1000, 1000, 10000
	s := benchStore(b, conns)
	ctx := context.Background()
	now := time.Now().UTC()
	for first := 0; first < conns*perConn; first += batch {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			for k := first; k < first+batch; k++ {
				if err := addCheck(ctx, tx, fmt.Sprintf("c%04d", k%conns), benchCheck(now, k/conns)); err != nil {
					return fmt.Errorf("seed check %d: %w", k, err)
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	var n int
	if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM checks`).Scan(&n); err != nil || n != conns*perConn {
		b.Fatalf("seeded %d checks (%v), want %d", n, err, conns*perConn)
	}
	var month, day, recent time.Duration
	for i := 0; i < dashboardRounds; i++ {
		start := time.Now()
		u, err := s.Uptime(ctx, now.Add(-30*24*time.Hour), now)
		month += time.Since(start)
		if err != nil || len(u) != conns {
			b.Fatalf("30-day uptime of %d connections (%v), want %d", len(u), err, conns)
		}
		if got := u["c0000"]; got.Checks != perConn || got.OK != perConn-perConn/50 {
			b.Fatalf("30-day uptime of c0000: %+v, want %d checks, %d ok", got, perConn, perConn-perConn/50)
		}
		start = time.Now()
		u, err = s.Uptime(ctx, now.Add(-24*time.Hour), now)
		day += time.Since(start)
		if err != nil || len(u) != conns {
			b.Fatalf("24-hour uptime of %d connections (%v), want %d", len(u), err, conns)
		}
		if got := u["c0000"]; got.Checks < 24*4 || got.Checks > 25*4 {
			b.Fatalf("24-hour uptime of c0000 covers %d checks, want 96-100 (4 an hour)", got.Checks)
		}
		start = time.Now()
		list, err := s.ListChecks(ctx, fmt.Sprintf("c%04d", i%conns), 50)
		recent += time.Since(start)
		if err != nil || len(list) != 50 {
			b.Fatalf("last 50 checks: got %d (%v)", len(list), err)
		}
		if d := now.Sub(list[0].CheckedAt); list[0].Class != domain.ClassOK || d < 0 || d > time.Second {
			b.Fatalf("newest check %+v, want the ok check at %s", list[0], now)
		}
	}
	b.ReportMetric(float64(month.Microseconds())/dashboardRounds/1000, "ms-uptime-30d-daily")
	b.ReportMetric(float64(day.Microseconds())/dashboardRounds/1000, "ms-uptime-24h-hourly")
	b.ReportMetric(float64(recent.Microseconds())/dashboardRounds/1000, "ms-last-50-checks")
}
