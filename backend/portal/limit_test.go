package portal

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

// TestLimiterMapBounded (review finding 3b): a visitor rotating addresses
// (or links, or states) cannot grow the limiter map past MaxLimiters.
func TestLimiterMapBounded(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	h := New(nil, func() time.Time { return now })
	for i := 0; i < 3*MaxLimiters; i++ {
		now = now.Add(time.Millisecond)
		h.allow(fmt.Sprintf("a:2001:db8::%x", i))
		if len(h.limiters) > MaxLimiters {
			t.Fatalf("%d limiters held after %d keys, cap %d", len(h.limiters), i+1, MaxLimiters)
		}
	}
	// A busy key survives the eviction of idle ones.
	h.allow("s:busy")
	for i := 0; i < MaxLimiters; i++ {
		now = now.Add(time.Millisecond)
		h.allow(fmt.Sprintf("l:%d", i))
		if i%100 == 0 {
			h.allow("s:busy")
		}
	}
	if _, ok := h.limiters["s:busy"]; !ok {
		t.Fatal("a key in use was evicted")
	}
}

func TestClientAddr(t *testing.T) {
	trusted := func(v ...string) func(context.Context) []netip.Prefix {
		var out []netip.Prefix
		for _, s := range v {
			out = append(out, netip.MustParsePrefix(s))
		}
		return func(context.Context) []netip.Prefix { return out }
	}
	tests := []struct {
		remote, xff string
		trusted     []string
		want        string
	}{
		{"192.0.2.1:5000", "", nil, "192.0.2.1"},
		{"192.0.2.1:5000", "203.0.113.9", nil, "192.0.2.1"},                                                // not trusted: ignored
		{"127.0.0.1:5000", "203.0.113.9", []string{"127.0.0.1/32"}, "203.0.113.9"},                         // the tunnel agent
		{"127.0.0.1:5000", "1.1.1.1, 203.0.113.9", []string{"127.0.0.1/32"}, "203.0.113.9"},                // spoofed first hop ignored
		{"127.0.0.1:5000", "203.0.113.9, 10.0.0.2", []string{"127.0.0.1/32", "10.0.0.0/8"}, "203.0.113.9"}, // chain of proxies
		{"127.0.0.1:5000", "garbage", []string{"127.0.0.1/32"}, "127.0.0.1"},
		{"[::ffff:127.0.0.1]:5000", "::ffff:203.0.113.9", []string{"127.0.0.1/32"}, "203.0.113.9"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/portal/r/x", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := ClientAddr(r, trusted(tt.trusted...)); got != tt.want {
			t.Errorf("%s via %q (trusted %v): %s, want %s", tt.remote, tt.xff, tt.trusted, got, tt.want)
		}
	}
}
