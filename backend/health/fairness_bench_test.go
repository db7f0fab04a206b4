package health_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/health"
)

// BenchmarkHungHostFairness reports how long a healthy host's 10 checks
// (10 ms each) take next to 20 connections of a hung host, as a ratio of the
// same 10 checks alone (healthy-with-hung/alone; target ≤ 1.2: per-host
// queues keep the hung host's connections off the shared workers). Speed
// targets live here, not in a timed test.
func BenchmarkHungHostFairness(b *testing.B) {
	const latency = 10 * time.Millisecond
	healthyTime := func(hung int) time.Duration {
		f := &fakeChecker{latency: latency, conns: append(conns(hung, "hang.example"), conns(10, "ok.example")...)}
		var ok atomic.Int32
		done := make(chan time.Time, 1)
		f.finished = func(c domain.Connection) {
			if c.BaseURL == "http://ok.example" && ok.Add(1) == 10 {
				done <- time.Now()
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		start := time.Now()
		ended := make(chan struct{})
		go func() {
			defer close(ended)
			_, _ = health.Sweep(ctx, "s", f, health.Options{CheckTimeout: 5 * time.Second}, nil)
		}()
		var at time.Time
		select {
		case at = <-done:
		case <-time.After(30 * time.Second):
			b.Fatal("the healthy host's checks did not finish within 30 s")
		}
		cancel() // end the hung checks
		<-ended
		return at.Sub(start)
	}
	var alone, withHung time.Duration
	for i := 0; i < b.N; i++ {
		if i%2 == 0 { // alternate which goes first
			alone += healthyTime(0)
			withHung += healthyTime(20)
		} else {
			withHung += healthyTime(20)
			alone += healthyTime(0)
		}
	}
	b.ReportMetric(float64(withHung)/float64(alone), "with-hung/alone")
	b.ReportMetric(float64(alone.Milliseconds())/float64(b.N), "alone-ms")
}
