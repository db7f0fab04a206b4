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
// workers before a healthy host's. The hung checks never end by themselves
// here (their timeout is an hour), so the healthy host's checks finish only
// if the hung host's connections leave the shared workers to it: with a
// worker taken before the host's gate (head-of-line blocking) they wait
// for an hour and the test fails at its deadline. No timing margin decides
// the result; the deadline only turns a hang into a failure.
func TestHungHostDoesNotDelayOthers(t *testing.T) {
	const hung, healthy = 20, 10
	f := &fakeChecker{latency: time.Millisecond, conns: append(conns(hung, "hang.example"), conns(healthy, "ok.example")...)}
	healthyDone := make(chan struct{})
	var okChecks, hungEnded atomic.Int32
	f.finished = func(c domain.Connection) {
		if c.BaseURL != "http://ok.example" {
			hungEnded.Add(1)
		} else if okChecks.Add(1) == healthy {
			close(healthyDone)
		}
	}
	type result struct {
		p   health.Progress
		err error
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := make(chan result, 1)
	go func() {
		p, err := health.Sweep(ctx, "s", f, health.Options{CheckTimeout: time.Hour}, nil)
		res <- result{p, err}
	}()
	const deadline = time.Minute
	select {
	case <-healthyDone:
		if n := hungEnded.Load(); n != 0 {
			t.Fatalf("%d hung checks ended before the healthy host finished; none can end within their hour", n)
		}
	case r := <-res:
		t.Fatalf("the sweep ended before the healthy host's checks all finished (%d of %d): %+v", okChecks.Load(), healthy, r.p)
	case <-time.After(deadline):
		t.Fatalf("the healthy host's checks had not finished after %v (%d of %d) while %d connections of a hung host waited: they held the workers", deadline, okChecks.Load(), healthy, hung)
	}
	cancel()
	select {
	case r := <-res:
		if r.err != nil || !r.p.Cancelled || r.p.Running {
			t.Fatalf("cancelled sweep: %+v, err %v", r.p, r.err)
		}
	case <-time.After(deadline):
		t.Fatalf("the sweep had not ended %v after it was cancelled", deadline)
	}
}

// TestHungChecksEndByTheirOwnTimeout: connections that never answer each end
// at their check timeout as failures, and the sweep ends (a hung check
// without its timeout would hold it until the deadline fails the test).
func TestHungChecksEndByTheirOwnTimeout(t *testing.T) {
	const hung = 20
	f := &fakeChecker{conns: conns(hung, "hang.example")}
	res := make(chan health.Progress, 1)
	go func() {
		p, _ := health.Sweep(context.Background(), "s", f, health.Options{CheckTimeout: 20 * time.Millisecond}, nil)
		res <- p
	}()
	select {
	case p := <-res:
		if p.Done != hung || p.Failures != hung || p.Running || p.Cancelled {
			t.Fatalf("final %+v, want %d done, all failed", p, hung)
		}
	case <-time.After(time.Minute):
		t.Fatalf("a sweep of %d hung connections with a 20 ms check timeout had not ended after a minute", hung)
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
