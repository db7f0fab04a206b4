package oauth_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"patchbay/backend/oauth"
	"patchbay/backend/secrets"
)

// BenchmarkRefresh100Callers: 100 concurrent callers on an expired token.
// Reports the refreshes that reached the provider (want 1) and the p99 wait
// as a ratio of one refresh's latency (want close to 1).
func BenchmarkRefresh100Callers(b *testing.B) {
	f, srv, cfg := fakeServer(b)
	defer srv.Close()
	f.OAuth.SetDelay(20 * time.Millisecond)
	var ratios, refreshes []float64
	for i := 0; i < b.N; i++ {
		store := oauth.SecretTokens{Secrets: secrets.NewMemory()}
		f.OAuth.SetDelay(0)
		seed(b, srv, cfg, store, "k")
		f.OAuth.SetDelay(20 * time.Millisecond)
		r := &oauth.Refresher{Store: store, LockDir: b.TempDir()}
		// One refresh alone, for the baseline latency.
		start := time.Now()
		if _, err := r.Refresh(context.Background(), "k", cfg); err != nil {
			b.Fatal(err)
		}
		single := time.Since(start)
		tok, _ := store.LoadToken(context.Background(), "k")
		tok.Expiry = time.Now().Add(-time.Minute)
		_ = store.SaveToken(context.Background(), "k", tok)
		before := f.OAuth.Refreshes()
		waits := make([]time.Duration, 100)
		var wg sync.WaitGroup
		for j := range waits {
			wg.Add(1)
			go func(j int) {
				defer wg.Done()
				s := time.Now()
				if _, err := r.Token(context.Background(), "k", cfg); err != nil {
					b.Error(err)
				}
				waits[j] = time.Since(s)
			}(j)
		}
		wg.Wait()
		sort.Slice(waits, func(a, c int) bool { return waits[a] < waits[c] })
		ratios = append(ratios, float64(waits[98])/float64(single))
		refreshes = append(refreshes, float64(f.OAuth.Refreshes()-before))
	}
	b.ReportMetric(mean(refreshes), "refreshes")
	b.ReportMetric(mean(ratios), "p99/single")
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
