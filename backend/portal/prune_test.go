package portal

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestLimitersArePruned: a portal reached from many addresses keeps only the
// limiters of addresses still spending their budget (its sessions live in
// the service, which prunes them).
func TestLimitersArePruned(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	h := New(nil, clock)
	// Limiters that refill at once: an address is idle right after its request.
	h.NewLimiter = func() *rate.Limiter { return rate.NewLimiter(rate.Inf, 1) }
	request := func(ip string) {
		if !h.allow("a:" + ip) {
			t.Fatalf("request from %s refused", ip)
		}
	}
	for i := 0; i < 1000; i++ {
		request(fmt.Sprintf("10.0.%d.%d", i/250, i%250))
	}
	h.mu.Lock()
	if len(h.limiters) != 1000 {
		t.Fatalf("%d limiters before the prune interval, want 1000", len(h.limiters))
	}
	h.mu.Unlock()

	advance(pruneEvery)
	request("192.0.2.1") // a new address: the handler prunes

	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.limiters) != 1 {
		t.Fatalf("%d limiters kept, want only the new address's", len(h.limiters))
	}
}
