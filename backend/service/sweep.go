package service

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/filelock"
	"patchbay/backend/health"
	"patchbay/backend/providers"
)

// Sweeps is the sweeps-and-schedule part of the service: "Check all now",
// each workspace's scheduled sweeps, recovering the sweeps a restart
// interrupted, and the Health page's overview. Its methods are the
// Service's (embedded), so the bindings and the HTTP method list are
// unchanged.
type Sweeps struct {
	store     sweepStore
	checker   health.Checker // the connections-and-checks part: what a sweep checks
	catalogue *providers.Catalogue
	bus       *events.Bus
	log       *slog.Logger
	now       domain.Clock
	options   health.Options
	lockDir   string
	started   time.Time       // when the service started (the schedule's first basis)
	life      context.Context // ends when the service's Wait is called
	spawn     func(fn func()) // runs fn in a goroutine the service's Wait waits for
	sweeps    sweeps
}

// sweepStore is what Sweeps needs from the database.
type sweepStore interface {
	SaveSweep(ctx context.Context, p domain.SweepProgress) error
	LastSweep(ctx context.Context) (p domain.SweepProgress, ok bool, err error)
	UnfinishedSweeps(ctx context.Context) ([]domain.SweepProgress, error)
	MarkSweepInterrupted(ctx context.Context, id string) error
	ListWorkspaces(ctx context.Context) ([]domain.Workspace, error)
	GetWorkspace(ctx context.Context, id string) (domain.Workspace, error)
	SetWorkspaceSweep(ctx context.Context, id string, minutes *int) error
	ListConnections(ctx context.Context) ([]domain.Connection, error)
}

// sweeps tracks the one running sweep and the last finished one.
type sweeps struct {
	mu      sync.Mutex
	last    *health.Progress
	cancel  context.CancelFunc
	offline bool // the last sweep reached no provider at all
	// swept is when each workspace's connections were last swept here.
	swept map[string]time.Time
}

// scoped is a sweep's Checker, limited to some workspaces.
type scoped struct {
	checker    health.Checker
	workspaces map[string]bool // nil: every connection
}

// ListConnections lists the connections in the sweep's workspaces.
func (c scoped) ListConnections(ctx context.Context) ([]domain.Connection, error) {
	all, err := c.checker.ListConnections(ctx)
	if err != nil || c.workspaces == nil {
		return all, err
	}
	out := all[:0:0]
	for _, x := range all {
		for _, w := range x.WorkspaceIDs {
			if c.workspaces[w] {
				out = append(out, x)
				break
			}
		}
	}
	return out, nil
}

// CheckConnection checks one connection.
func (c scoped) CheckConnection(ctx context.Context, id string) (domain.Connection, error) {
	return c.checker.CheckConnection(ctx, id)
}

// StartSweep starts "Check all now" in the background (or returns the sweep
// already running); progress arrives as "sweep:progress" events.
func (s *Sweeps) StartSweep(ctx context.Context) (health.Progress, error) {
	return s.startSweep(ctx, nil)
}

// startSweep sweeps the connections of the given workspaces (nil: all).
func (s *Sweeps) startSweep(ctx context.Context, workspaces map[string]bool) (health.Progress, error) {
	s.sweeps.mu.Lock()
	if s.sweeps.cancel != nil && s.sweeps.last != nil {
		p := *s.sweeps.last
		s.sweeps.mu.Unlock()
		return p, nil
	}
	runCtx, cancel := context.WithCancel(s.life) // Wait stops it
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
	if s.sweeps.swept == nil {
		s.sweeps.swept = map[string]time.Time{}
	}
	if wss, err := s.store.ListWorkspaces(ctx); err == nil {
		for _, w := range wss {
			if workspaces == nil || workspaces[w.ID] {
				s.sweeps.swept[w.ID] = first.StartedAt
			}
		}
	}
	s.sweeps.mu.Unlock()
	s.spawn(func() {
		defer cancel()
		defer func() {
			unlock()
			_ = os.Remove(s.sweepLock(id))
		}()
		saved := s.now()
		p, err := health.Sweep(runCtx, id, scoped{s.checker, workspaces}, s.options, func(p health.Progress) {
			if !p.Running {
				return // the end is recorded and published below, with the sweep slot freed
			}
			s.sweeps.mu.Lock()
			s.sweeps.last = &p
			s.sweeps.mu.Unlock()
			s.bus.Publish(events.SweepProgress, p)
			if now := s.now(); now.Sub(saved) >= time.Second {
				saved = now
				if err := s.store.SaveSweep(context.Background(), p); err != nil {
					s.log.Error("record sweep progress", "sweep", id, "err", err)
				}
			}
		})
		if p.FinishedAt == nil {
			now := s.now().UTC()
			p.FinishedAt = &now
		}
		p.Running = false
		if serr := s.store.SaveSweep(context.Background(), p); serr != nil {
			s.log.Error("record sweep", "sweep", id, "err", serr)
		}
		if err != nil {
			s.log.Error("sweep failed", "err", err)
		} else {
			s.log.Info("sweep finished", "sweep", id, "checked", p.Done, "failures", p.Failures, "cancelled", p.Cancelled)
		}
		offline := err == nil && !p.Cancelled && p.Done > p.Skipped && s.allUnreachable(runCtx)
		// The finished progress and the freed slot appear together, so
		// whoever sees this sweep end can start the next one at once.
		s.sweeps.mu.Lock()
		s.sweeps.last, s.sweeps.cancel = &p, nil
		changed := s.sweeps.offline != offline
		s.sweeps.offline = offline
		s.sweeps.mu.Unlock()
		if changed {
			s.log.Info("network state changed", "offline", offline)
		}
		s.bus.Publish(events.SweepProgress, p)
	})
	return first, nil
}

// CancelSweep stops the running sweep, if any.
func (s *Sweeps) CancelSweep(ctx context.Context) error {
	s.sweeps.mu.Lock()
	defer s.sweeps.mu.Unlock()
	if s.sweeps.cancel == nil {
		return domain.Errorf(domain.EConflict, "No sweep is running.")
	}
	s.sweeps.cancel()
	return nil
}

// CancelSweepIfRunning stops the running sweep, if any (at shutdown).
func (s *Sweeps) CancelSweepIfRunning() {
	s.sweeps.mu.Lock()
	defer s.sweeps.mu.Unlock()
	if s.sweeps.cancel != nil {
		s.sweeps.cancel()
	}
}

// GetSweep returns the running or last sweep's progress (zero when none ran).
func (s *Sweeps) GetSweep(ctx context.Context) (health.Progress, error) {
	if p, ok := s.lastSweep(ctx); ok {
		return p, nil
	}
	return health.Progress{Notes: []string{}}, nil
}

// lastSweep is this process's running or last sweep, else the last one
// stored (a previous start's, possibly interrupted).
func (s *Sweeps) lastSweep(ctx context.Context) (health.Progress, bool) {
	// The lock is held over the store read: startSweep saves its first row
	// and sets last under it, so a sweep of this process is never read back
	// from the store as a finished one.
	s.sweeps.mu.Lock()
	defer s.sweeps.mu.Unlock()
	if s.sweeps.last != nil {
		return *s.sweeps.last, true
	}
	p, ok, err := s.store.LastSweep(ctx)
	if err != nil {
		s.log.Error("read the last sweep", "err", err)
	}
	// A sweep another process runs cannot be followed or cancelled from here.
	p.Running = false
	return p, ok
}

func (s *Sweeps) sweepLock(id string) string {
	return filepath.Join(s.lockDir, "sweep-"+id+".lock")
}

// RecoverSweeps marks the sweeps a quit or crash interrupted (their
// process no longer holds their lock; a sweep another live process is
// running is left alone). It returns how many it marked.
func (s *Sweeps) RecoverSweeps(ctx context.Context) (int, error) {
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

// allUnreachable reports whether every connection's last check failed with
// a network error (no provider answered: the machine is offline).
func (s *Sweeps) allUnreachable(ctx context.Context) bool {
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

// DueWorkspaces returns the workspaces whose scheduled sweep is due: their
// own interval (or def when they have none; 0 turns a workspace's schedule
// off) has passed since they were last swept here — or, after a restart,
// since the last sweep of an earlier start finished (at once if it was
// interrupted, one interval after the start when none ran before it).
func (s *Sweeps) DueWorkspaces(ctx context.Context, def time.Duration) (map[string]bool, error) {
	wss, err := s.store.ListWorkspaces(ctx)
	if err != nil {
		return nil, fmt.Errorf("due sweeps: %w", err)
	}
	// For workspaces not swept by this process yet: the end of the last
	// sweep stored before this start, at once after an interrupted one, or
	// this start when none ran. A sweep started since then (of other
	// workspaces, or of another process) says nothing about them.
	since := s.started
	if p, ok, err := s.store.LastSweep(ctx); err == nil && ok && p.StartedAt.Before(s.started) {
		switch {
		case p.Interrupted:
			since = time.Time{}
		case p.FinishedAt != nil:
			since = *p.FinishedAt
		}
	}
	now := s.now()
	s.sweeps.mu.Lock()
	defer s.sweeps.mu.Unlock()
	due := map[string]bool{}
	for _, w := range wss {
		every := def
		if w.SweepMinutes != nil {
			every = time.Duration(*w.SweepMinutes) * time.Minute
		}
		if every <= 0 {
			continue
		}
		last, ok := s.sweeps.swept[w.ID]
		if !ok {
			last = since
		}
		if !now.Before(last.Add(every)) {
			due[w.ID] = true
		}
	}
	return due, nil
}

// SweepDue starts a sweep of the workspaces that are due (all of them while
// offline, to notice the network coming back); ok is false when none is due
// or a sweep is already running.
func (s *Sweeps) SweepDue(ctx context.Context, def time.Duration) (p health.Progress, ok bool, err error) {
	s.sweeps.mu.Lock()
	running, offline := s.sweeps.cancel != nil, s.sweeps.offline
	s.sweeps.mu.Unlock()
	if running {
		return p, false, nil
	}
	due, err := s.DueWorkspaces(ctx, def)
	if err != nil || len(due) == 0 && !offline {
		return p, false, err
	}
	if offline {
		due = nil // probe everything
	}
	p, err = s.startSweep(ctx, due)
	return p, err == nil, err
}

// SetWorkspaceSweep sets how often a workspace's connections are checked in
// the background: minutes from 1 to 1440, 0 for only "Check all now", or nil
// for the app's default.
func (s *Sweeps) SetWorkspaceSweep(ctx context.Context, id string, minutes *int) (domain.Workspace, error) {
	if minutes != nil && (*minutes < 0 || *minutes > 1440) {
		return domain.Workspace{}, domain.FieldError("sweepMinutes", "Enter how often to check this workspace's connections: 1 to 1440 minutes, or 0 for only Check all now.")
	}
	if err := s.store.SetWorkspaceSweep(ctx, id, minutes); err != nil {
		return domain.Workspace{}, err
	}
	if minutes == nil {
		s.log.Info("workspace sweep interval set", "workspace", id, "minutes", "default")
	} else {
		s.log.Info("workspace sweep interval set", "workspace", id, "minutes", *minutes)
	}
	return s.store.GetWorkspace(ctx, id)
}

// RunSchedule runs the scheduled health sweeps of the window and serve
// mode until ctx ends: each minute (at most every def) it sweeps the
// workspaces whose interval has passed, def being the interval of those
// without their own. After an interrupted sweep the first comes at once;
// while offline every connection is probed each minute until a provider
// answers again.
func (s *Sweeps) RunSchedule(ctx context.Context, def time.Duration) {
	tick := time.Minute
	if def > 0 && def < tick {
		tick = def
	}
	for {
		if _, _, err := s.SweepDue(ctx, def); err != nil && ctx.Err() == nil {
			s.log.Error("scheduled sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(tick):
		}
	}
}
