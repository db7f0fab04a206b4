package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/fakes"
	"patchbay/backend/health"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
	"patchbay/backend/store"
)

// Sweep benchmark shape: sweepHosts provider hosts (one httptest server
// each, so one token bucket each) with sweepPerHost connections apiece, every
// request answered after sweepLatency.
const (
	sweepHosts   = 4
	sweepPerHost = 50
	sweepLatency = 20 * time.Millisecond
)

// sweepIdeal is the least time a sweep with the default limits
// (health.Options{}: PerHost 4, Workers 16, 10 req/s per host, burst 10) can
// take over hosts of n connections each answering after latency l, the hosts
// swept in parallel: the token bucket lets the burst b through at once and
// then one check every 1/r s, so the last check starts (n-b)/r s in and ends
// l later; and at most c checks are in flight per host, so it takes at least
// ceil(n/c)·l. The ideal is the larger of the two.
func sweepIdeal(n, b, c int, r float64, l time.Duration) time.Duration {
	bucket := l
	if n > b {
		bucket += time.Duration(float64(n-b) / r * float64(time.Second))
	}
	conc := time.Duration((n+c-1)/c) * l
	return max(bucket, conc)
}

// BenchmarkSweepRealPath runs "Check all now" (Service.StartSweep) over
// sweepHosts×sweepPerHost connections through the real CheckConnection path:
// SQLite store in a temp dir, the in-memory secret store, HTTP to the fake
// provider behind an httptest server per host that answers after
// sweepLatency, the notifier and the event bus, with the default sweep limits.
// It reports the wall time from StartSweep to the final sweep:progress event
// as a ratio of sweepIdeal (target ≤ 1.15): with 50 connections per host,
// burst 10 at 10/s and 20 ms latency the ideal is (50-10)/10 s + 20 ms =
// 4.02 s (the concurrency bound, ceil(50/4)·20 ms = 0.26 s, is lower).
// Labels group the connections by host, as a list of one provider's accounts
// would be, so the sweep meets them host after host.
func BenchmarkSweepRealPath(b *testing.B) {
	fake := fakes.New()
	var urls []string
	for h := 0; h < sweepHosts; h++ {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(sweepLatency):
			case <-r.Context().Done():
				return
			}
			fake.Handler().ServeHTTP(w, r)
		}))
		b.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	cat, err := providers.Load()
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(filepath.Join(b.TempDir(), "patchbay.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	bus := events.New()
	// Quiet: a log line per check would be timed too, and flood the output.
	quiet := slog.New(slog.DiscardHandler)
	prev := slog.Default()
	slog.SetDefault(quiet)
	b.Cleanup(func() { slog.SetDefault(prev) })
	svc := service.New(service.Options{Store: st, Secrets: secrets.NewMemory(), Catalogue: cat, Bus: bus, Log: quiet, LockDir: b.TempDir()})
	ctx := context.Background()
	if err := svc.EnsureDefaultWorkspace(ctx); err != nil {
		b.Fatal(err)
	}
	ws, err := svc.ListWorkspaces(ctx)
	if err != nil || len(ws) != 1 {
		b.Fatalf("workspaces %v: %v", ws, err)
	}
	// Create the connections (each validated once) 16 at a time. Labels
	// group them by host, as a user's list of one provider's accounts would.
	sem := make(chan struct{}, 16)
	errs := make(chan error, sweepHosts*sweepPerHost)
	var wg sync.WaitGroup
	for h, u := range urls {
		for i := 0; i < sweepPerHost; i++ {
			key := fmt.Sprintf("sweep-bench-key-%02d-%04d", h, i)
			fake.SetKey(key, true)
			d := domain.ConnectionDraft{
				Provider: "generic_api_key", AuthMode: "api_key", Label: fmt.Sprintf("Host %d account %04d", h, i), WorkspaceIDs: []string{ws[0].ID},
				BaseURL: u, Config: map[string]string{"headerName": fakes.GenericHeader, "validationUrl": fakes.GenericValidate},
				Secrets: map[string]string{"apiKey": key},
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				if _, err := svc.CreateConnection(ctx, d); err != nil {
					errs <- fmt.Errorf("create %s: %w", d.Label, err)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	n := sweepHosts * sweepPerHost
	ideal := sweepIdeal(sweepPerHost, 10, 4, 10, sweepLatency)
	evs, stop := bus.Subscribe()
	defer stop()
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		// Each sweep makes its own token buckets, full at the start.
		start := time.Now()
		first, err := svc.StartSweep(ctx)
		if err != nil {
			b.Fatal(err)
		}
		deadline := time.After(10*ideal + 30*time.Second)
		// The bus drops events for a full subscriber; poll now and then
		// too, so a dropped final event costs precision, not a hang.
		poll := time.NewTicker(100 * time.Millisecond)
		var final health.Progress
	wait:
		for {
			select {
			case ev := <-evs:
				if p, ok := ev.Payload.(health.Progress); ok && ev.Topic == events.SweepProgress && p.ID == first.ID && !p.Running {
					final = p
					break wait
				}
			case <-poll.C:
				if p, err := svc.GetSweep(ctx); err == nil && p.ID == first.ID && !p.Running {
					final = p
					break wait
				}
			case <-deadline:
				b.Fatalf("sweep %s did not finish within %s", first.ID, 10*ideal+30*time.Second)
			}
		}
		total += time.Since(start)
		poll.Stop()
		if final.Done != n || final.Total != n || final.Failures != 0 || final.Skipped != 0 {
			b.Fatalf("sweep %d: final progress %+v, want %d checked without failures", i, final, n)
		}
	}
	b.ReportMetric(float64(total)/float64(b.N)/float64(ideal), "x-ideal")
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/sweep")
	b.ReportMetric(float64(ideal.Milliseconds()), "ms-ideal")
}
