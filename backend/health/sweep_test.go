package health_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/health"
)

// fakeChecker answers checks after a per-host latency; "hang" hosts never
// answer until the check's context ends.
type fakeChecker struct {
	conns    []domain.Connection
	latency  time.Duration
	inFlight sync.Map // host -> *int32
	maxSeen  sync.Map // host -> *int32
	checked  atomic.Int32
	index    sync.Map // id -> domain.Connection, so the fake's own lookup costs nothing
	// started, when set, is called as the nth check starts (n counts from 1).
	started func(n int32)
	// finished, when set, is called as a check returns.
	finished func(c domain.Connection)
}

func (f *fakeChecker) ListConnections(context.Context) ([]domain.Connection, error) {
	return f.conns, nil
}

func (f *fakeChecker) CheckConnection(ctx context.Context, id string) (domain.Connection, error) {
	v, ok := f.index.Load(id)
	if !ok {
		for _, x := range f.conns {
			f.index.Store(x.ID, x)
		}
		v, _ = f.index.Load(id)
	}
	c, _ := v.(domain.Connection)
	n, _ := f.inFlight.LoadOrStore(c.BaseURL, new(int32))
	cur := atomic.AddInt32(n.(*int32), 1)
	defer atomic.AddInt32(n.(*int32), -1)
	m, _ := f.maxSeen.LoadOrStore(c.BaseURL, new(int32))
	for {
		old := atomic.LoadInt32(m.(*int32))
		if cur <= old || atomic.CompareAndSwapInt32(m.(*int32), old, cur) {
			break
		}
	}
	if n := f.checked.Add(1); f.started != nil {
		f.started(n)
	}
	if f.finished != nil {
		defer f.finished(c)
	}
	if c.BaseURL == "http://hang.example" {
		<-ctx.Done()
		c.LastError = &domain.CheckResult{Class: domain.ClassNetwork}
		return c, nil
	}
	select {
	case <-time.After(f.latency):
	case <-ctx.Done():
		return c, ctx.Err()
	}
	c.LastError = nil
	return c, nil
}

func conns(n int, host string) []domain.Connection {
	var out []domain.Connection
	for i := 0; i < n; i++ {
		out = append(out, domain.Connection{ID: fmt.Sprintf("%s-%d", host, i), Label: fmt.Sprintf("c%d", i), BaseURL: "http://" + host})
	}
	return out
}

func TestSweepBoundsConcurrencyPerHostAndReportsProgress(t *testing.T) {
	f := &fakeChecker{latency: 10 * time.Millisecond, conns: append(conns(20, "a.example"), conns(20, "b.example")...)}
	var reports []health.Progress
	p, err := health.Sweep(context.Background(), "s1", f, health.Options{PerHost: 3, RatePerHost: 1000, Burst: 1000}, func(p health.Progress) { reports = append(reports, p) })
	if err != nil {
		t.Fatal(err)
	}
	if p.Done != 40 || p.Total != 40 || p.Failures != 0 || p.Running || p.FinishedAt == nil {
		t.Fatalf("final %+v", p)
	}
	for _, h := range []string{"http://a.example", "http://b.example"} {
		m, _ := f.maxSeen.Load(h)
		if got := atomic.LoadInt32(m.(*int32)); got > 3 || got < 2 {
			t.Fatalf("%s saw %d concurrent checks, want at most 3 (and some parallelism)", h, got)
		}
	}
	if len(reports) < 40 || reports[len(reports)-1].Done != 40 {
		t.Fatalf("%d progress reports", len(reports))
	}
	for i := 1; i < len(reports); i++ {
		if reports[i].Done < reports[i-1].Done {
			t.Fatal("progress went backwards")
		}
	}
}

// TestHungHostDoesNotDelayOthers lists more hung connections than there are
// workers before a healthy host's: with the default concurrency the healthy
// checks must still finish long before one check timeout, and the hung host
// must end within its own timeouts (4 at a time).
func TestHungHostDoesNotDelayOthers(t *testing.T) {
	const timeout = 600 * time.Millisecond
	const hung, healthy = 20, 10
	f := &fakeChecker{latency: time.Millisecond, conns: append(conns(hung, "hang.example"), conns(healthy, "ok.example")...)}
	healthyDone := make(chan time.Time, 1)
	var okChecks atomic.Int32
	f.finished = func(c domain.Connection) {
		if c.BaseURL == "http://ok.example" && okChecks.Add(1) == healthy {
			healthyDone <- time.Now()
		}
	}
	type result struct {
		p   health.Progress
		err error
	}
	res := make(chan result, 1)
	start := time.Now()
	go func() {
		p, err := health.Sweep(context.Background(), "s", f, health.Options{CheckTimeout: timeout}, nil)
		res <- result{p, err}
	}()
	select {
	case at := <-healthyDone:
		if took := at.Sub(start); took > timeout/2 {
			t.Fatalf("the healthy host's %d checks finished after %v, want well before one check timeout (%v): the hung host's connections held the workers", healthy, took, timeout)
		}
	case r := <-res:
		t.Fatalf("the sweep ended before the healthy host's checks all finished (%d of %d): %+v", okChecks.Load(), healthy, r.p)
	case <-time.After(10 * timeout):
		t.Fatalf("the healthy host's checks had not finished after %v (%d of %d)", 10*timeout, okChecks.Load(), healthy)
	}
	var r result
	select {
	case r = <-res:
	case <-time.After(20 * timeout):
		t.Fatalf("the sweep had not ended after %v", 20*timeout)
	}
	if r.err != nil || r.p.Done != hung+healthy || r.p.Failures != hung || r.p.Running || r.p.Cancelled {
		t.Fatalf("final %+v, err %v", r.p, r.err)
	}
	// 20 hung checks, 4 at a time, each ended by its own timeout: 5 rounds.
	if took := time.Since(start); took > 5*timeout+5*timeout/2 {
		t.Fatalf("the sweep took %v, want about %v: a hung host held the sweep beyond its own timeouts", took, 5*timeout)
	}
}

func TestSweepCancelAndSkip(t *testing.T) {
	const perHost, cancelAt = 2, 5
	f := &fakeChecker{latency: 50 * time.Millisecond, conns: conns(50, "slow.example")}
	low, reset := 1, time.Now().Add(time.Hour)
	f.conns[0].RateLimitRemain = &low
	f.conns[0].LastError = &domain.CheckResult{Class: domain.ClassRateLimited, RetryAt: &reset}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.started = func(n int32) {
		if n == cancelAt {
			cancel()
		}
	}
	p, _ := health.Sweep(ctx, "s", f, health.Options{PerHost: perHost}, nil)
	// Only checks already past their gates when the sweep was cancelled may
	// start after the cancelling one.
	if !p.Cancelled || p.Running || p.FinishedAt == nil || int(f.checked.Load()) > cancelAt+perHost-1 {
		t.Fatalf("cancel after %d checks started: %+v, %d checked", cancelAt, p, f.checked.Load())
	}
	if p.Done >= p.Total {
		t.Fatalf("a cancelled sweep reports every connection done: %+v", p)
	}
	if p.Skipped != 1 || len(p.Notes) != 1 {
		t.Fatalf("a connection near its rate limit was not skipped with a reason: %+v", p)
	}
}
