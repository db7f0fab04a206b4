// Package health runs validation sweeps: every connection checked with
// bounded concurrency and a token-bucket rate limit per provider host, each
// check bounded by its own timeout so one hung provider never delays the
// others, live progress, cancellation, and connections near their rate limit
// skipped with the reason instead of hammered.
package health

import (
	"context"
	"net/url"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"patchbay/backend/domain"
)

// Checker is what a sweep needs from the service layer.
type Checker interface {
	ListConnections(ctx context.Context) ([]domain.Connection, error)
	CheckConnection(ctx context.Context, id string) (domain.Connection, error)
}

// Progress is a sweep's live state (event "sweep:progress").
type Progress = domain.SweepProgress

// Options tune a sweep.
type Options struct {
	// PerHost bounds concurrent checks against one provider host (default 4).
	PerHost int
	// Workers bounds concurrent checks overall (default 16).
	Workers int
	// RatePerHost and Burst set the token bucket per host (default 10/s, 10).
	RatePerHost rate.Limit
	Burst       int
	// CheckTimeout bounds one check (default 20 s).
	CheckTimeout time.Duration
	// MinRemaining skips a connection whose last known rate-limit remaining
	// is below it (default 5).
	MinRemaining int
	// Now is the clock of the sweep's times and of rate-limit resets (the
	// system clock if nil; the service sets its own).
	Now domain.Clock
}

func (o Options) withDefaults() Options {
	if o.PerHost <= 0 {
		o.PerHost = 4
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.RatePerHost == 0 {
		o.RatePerHost = 10
	}
	if o.Burst <= 0 {
		o.Burst = 10
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = 20 * time.Second
	}
	if o.MinRemaining == 0 {
		o.MinRemaining = 5
	}
	return o
}

// Sweep checks every connection and reports progress through report (called
// from one goroutine at a time). It returns the final progress.
func Sweep(ctx context.Context, id string, c Checker, o Options, report func(Progress)) (Progress, error) {
	o = o.withDefaults()
	conns, err := c.ListConnections(ctx)
	if err != nil {
		return Progress{}, err
	}
	p := Progress{ID: id, Total: len(conns), Running: true, StartedAt: domain.Now(o.Now).UTC(), Notes: []string{}}
	var mu sync.Mutex
	emit := func(update func(*Progress)) {
		mu.Lock()
		defer mu.Unlock()
		update(&p)
		if report != nil {
			report(p)
		}
	}
	emit(func(*Progress) {})
	// Each host gets its own queue served by at most PerHost goroutines, and
	// a goroutine takes one of the shared workers only once its host lets it
	// check: connections waiting for a busy (or hung) host never hold a
	// worker that another host could use.
	queues := map[string][]domain.Connection{}
	var hosts []string
	for _, conn := range conns {
		if ctx.Err() != nil {
			break
		}
		if conn.RateLimitRemain != nil && *conn.RateLimitRemain < o.MinRemaining && conn.LastError != nil && conn.LastError.RetryAt != nil && conn.LastError.RetryAt.After(domain.Now(o.Now)) {
			emit(func(p *Progress) {
				p.Done++
				p.Skipped++
				p.Notes = append(p.Notes, conn.Label+": skipped, rate limit nearly used up until "+conn.LastError.RetryAt.Format(time.RFC3339))
			})
			continue
		}
		h := hostOf(conn.BaseURL)
		if _, ok := queues[h]; !ok {
			hosts = append(hosts, h)
		}
		queues[h] = append(queues[h], conn)
	}
	workers := make(chan struct{}, o.Workers)
	var wg sync.WaitGroup
	for _, h := range hosts {
		q := make(chan domain.Connection, len(queues[h]))
		for _, conn := range queues[h] {
			q <- conn
		}
		close(q)
		lim := rate.NewLimiter(o.RatePerHost, o.Burst)
		for range min(o.PerHost, len(q)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for conn := range q {
					if ctx.Err() != nil {
						return
					}
					failed := true
					if acquire(ctx, lim, workers) {
						cctx, cancel := context.WithTimeout(ctx, o.CheckTimeout)
						got, err := c.CheckConnection(cctx, conn.ID)
						cancel()
						<-workers
						failed = err != nil || got.LastError != nil
					}
					emit(func(p *Progress) {
						p.Done++
						if failed {
							p.Failures++
						}
					})
				}
			}()
		}
	}
	wg.Wait()
	emit(func(p *Progress) {
		now := domain.Now(o.Now).UTC()
		p.Running, p.FinishedAt, p.Cancelled = false, &now, ctx.Err() != nil
	})
	mu.Lock()
	defer mu.Unlock()
	return p, nil
}

// acquire waits for the host's rate limit, then for a shared worker; it
// reports false, holding nothing, once ctx ends.
func acquire(ctx context.Context, lim *rate.Limiter, workers chan struct{}) bool {
	if err := lim.Wait(ctx); err != nil {
		return false
	}
	select {
	case workers <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	if ctx.Err() != nil {
		<-workers
		return false
	}
	return true
}

func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	return u.Host
}
