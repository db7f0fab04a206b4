package service

import (
	"context"
	"sync"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/health"
)

// sweeps tracks the one running sweep and the last finished one.
type sweeps struct {
	mu      sync.Mutex
	last    *health.Progress
	cancel  context.CancelFunc
	offline bool // the last sweep reached no provider at all
}

// StartSweep starts "Check all now" in the background (or returns the sweep
// already running); progress arrives as "sweep:progress" events.
func (s *Service) StartSweep(ctx context.Context) (health.Progress, error) {
	s.sweeps.mu.Lock()
	if s.sweeps.cancel != nil && s.sweeps.last != nil {
		p := *s.sweeps.last
		s.sweeps.mu.Unlock()
		return p, nil
	}
	runCtx, cancel := context.WithCancel(context.Background())
	id := newID("sweep")
	first := health.Progress{ID: id, Running: true, StartedAt: s.now().UTC(), Notes: []string{}}
	s.sweeps.cancel, s.sweeps.last = cancel, &first
	s.sweeps.mu.Unlock()
	go func() {
		defer cancel()
		p, err := health.Sweep(runCtx, id, s, s.sweepOptions, func(p health.Progress) {
			s.sweeps.mu.Lock()
			s.sweeps.last = &p
			s.sweeps.mu.Unlock()
			s.bus.Publish(events.SweepProgress, p)
		})
		if err != nil {
			s.log.Error("sweep failed", "err", err)
		} else {
			s.log.Info("sweep finished", "sweep", id, "checked", p.Done, "failures", p.Failures, "cancelled", p.Cancelled)
		}
		offline := err == nil && !p.Cancelled && p.Done > p.Skipped && s.allUnreachable(runCtx)
		s.sweeps.mu.Lock()
		s.sweeps.cancel = nil
		changed := s.sweeps.offline != offline
		s.sweeps.offline = offline
		s.sweeps.mu.Unlock()
		if changed {
			s.log.Info("network state changed", "offline", offline)
			s.bus.Publish(events.SweepProgress, p)
		}
	}()
	return first, nil
}

// CancelSweep stops the running sweep, if any.
func (s *Service) CancelSweep(ctx context.Context) error {
	s.sweeps.mu.Lock()
	defer s.sweeps.mu.Unlock()
	if s.sweeps.cancel == nil {
		return domain.Errorf(domain.EConflict, "No sweep is running.")
	}
	s.sweeps.cancel()
	return nil
}

// GetSweep returns the running or last sweep's progress (zero when none ran).
func (s *Service) GetSweep(ctx context.Context) (health.Progress, error) {
	s.sweeps.mu.Lock()
	defer s.sweeps.mu.Unlock()
	if s.sweeps.last == nil {
		return health.Progress{Notes: []string{}}, nil
	}
	return *s.sweeps.last, nil
}

// allUnreachable reports whether every connection's last check failed with
// a network error (no provider answered: the machine is offline).
func (s *Service) allUnreachable(ctx context.Context) bool {
	conns, err := s.store.ListConnections(ctx)
	if err != nil || len(conns) == 0 {
		return false
	}
	for _, c := range conns {
		if c.LastError == nil || c.LastError.Class != domain.ClassNetwork {
			return false
		}
	}
	return true
}

// RunSchedule sweeps every interval until ctx ends (the scheduled health
// sweeps of the window and serve mode). While offline it probes more often
// (every minute, at most the interval) and resumes full sweeps once a
// provider answers again.
func (s *Service) RunSchedule(ctx context.Context, interval time.Duration) {
	wait := interval
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if _, err := s.StartSweep(ctx); err != nil {
			s.log.Error("scheduled sweep", "err", err)
		}
		s.sweeps.mu.Lock()
		offline := s.sweeps.offline
		s.sweeps.mu.Unlock()
		wait = interval
		if offline && interval > time.Minute {
			wait = time.Minute
		}
	}
}
