package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/filelock"
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
	// The sweep's lock tells other processes on this data directory that it
	// is alive; the row lets a restart see how far it got.
	unlock, _, err := filelock.TryLock(s.sweepLock(id))
	if err != nil {
		s.sweeps.mu.Unlock()
		cancel()
		return health.Progress{}, fmt.Errorf("start sweep: %w", err)
	}
	if err := s.store.SaveSweep(ctx, first); err != nil {
		s.sweeps.mu.Unlock()
		cancel()
		unlock()
		return health.Progress{}, fmt.Errorf("start sweep: %w", err)
	}
	s.sweeps.cancel, s.sweeps.last = cancel, &first
	s.sweeps.mu.Unlock()
	go func() {
		defer cancel()
		defer func() {
			unlock()
			_ = os.Remove(s.sweepLock(id))
		}()
		saved := time.Now()
		p, err := health.Sweep(runCtx, id, s, s.sweepOptions, func(p health.Progress) {
			s.sweeps.mu.Lock()
			s.sweeps.last = &p
			s.sweeps.mu.Unlock()
			s.bus.Publish(events.SweepProgress, p)
			if time.Since(saved) >= time.Second || !p.Running {
				saved = time.Now()
				if err := s.store.SaveSweep(context.Background(), p); err != nil {
					s.log.Error("record sweep progress", "sweep", id, "err", err)
				}
			}
		})
		if p.FinishedAt == nil {
			now := s.now().UTC()
			p.FinishedAt, p.Running = &now, false
		}
		if serr := s.store.SaveSweep(context.Background(), p); serr != nil {
			s.log.Error("record sweep", "sweep", id, "err", serr)
		}
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
	if p, ok := s.lastSweep(ctx); ok {
		return p, nil
	}
	return health.Progress{Notes: []string{}}, nil
}

// lastSweep is this process's running or last sweep, else the last one
// stored (a previous start's, possibly interrupted).
func (s *Service) lastSweep(ctx context.Context) (health.Progress, bool) {
	s.sweeps.mu.Lock()
	if s.sweeps.last != nil {
		p := *s.sweeps.last
		s.sweeps.mu.Unlock()
		return p, true
	}
	s.sweeps.mu.Unlock()
	p, ok, err := s.store.LastSweep(ctx)
	if err != nil {
		s.log.Error("read the last sweep", "err", err)
	}
	// A sweep another process runs cannot be followed or cancelled from here.
	p.Running = false
	return p, ok
}

func (s *Service) sweepLock(id string) string {
	return filepath.Join(s.lockDir, "sweep-"+id+".lock")
}

// RecoverSweeps marks the sweeps a quit or crash interrupted (their
// process no longer holds their lock; a sweep another live process is
// running is left alone). It returns how many it marked.
func (s *Service) RecoverSweeps(ctx context.Context) (int, error) {
	list, err := s.store.UnfinishedSweeps(ctx)
	if err != nil {
		return 0, fmt.Errorf("recover sweeps: %w", err)
	}
	n := 0
	for _, p := range list {
		unlock, free, err := filelock.TryLock(s.sweepLock(p.ID))
		if err != nil {
			return n, fmt.Errorf("recover sweep %s: %w", p.ID, err)
		}
		if !free {
			continue // alive in another process
		}
		err = s.store.MarkSweepInterrupted(ctx, p.ID)
		unlock()
		_ = os.Remove(s.sweepLock(p.ID))
		if err != nil {
			return n, err
		}
		s.log.Info("a sweep was interrupted when Patchbay stopped", "sweep", p.ID, "checked", p.Done, "total", p.Total)
		n++
	}
	return n, nil
}

// firstSweepWait is how long the schedule waits before its first sweep: at
// once when the last sweep was interrupted or none ran, otherwise the rest
// of the interval since the last one finished.
func (s *Service) firstSweepWait(ctx context.Context, interval time.Duration) time.Duration {
	p, ok, err := s.store.LastSweep(ctx)
	if err != nil || !ok || p.Interrupted || p.FinishedAt == nil {
		return 0
	}
	if left := interval - s.now().Sub(*p.FinishedAt); left > 0 {
		return left
	}
	return 0
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
	wait := s.firstSweepWait(ctx, interval)
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
