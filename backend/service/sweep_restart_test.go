package service_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/filelock"
	"patchbay/backend/secrets"
)

// TestRestartInTheMiddleOfASweep starts Patchbay over a data directory where
// one sweep's process died half-way and another process is still sweeping:
// the dead one is marked interrupted with how far it got, the live one is
// left alone, and the schedule sweeps at once instead of waiting an interval.
func TestRestartInTheMiddleOfASweep(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := e.svc.CreateConnection(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate)); err != nil {
			t.Fatal(err)
		}
	}
	now := e.clock.Now().UTC()
	live := domain.SweepProgress{ID: "sweep_live", Total: 3, Done: 2, Running: true, StartedAt: now.Add(-2 * time.Minute), Notes: []string{}}
	dead := domain.SweepProgress{ID: "sweep_dead", Total: 3, Done: 1, Running: true, StartedAt: now.Add(-time.Minute), Notes: []string{}}
	for _, p := range []domain.SweepProgress{live, dead} {
		if err := e.store.SaveSweep(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	// The live sweep's process holds its lock in the data directory.
	unlock, ok, err := filelock.TryLock(filepath.Join(e.lockDir, "sweep-"+live.ID+".lock"))
	if err != nil || !ok {
		t.Fatalf("hold the live sweep's lock: %v %v", ok, err)
	}
	defer unlock()

	if n, err := e.svc.RecoverSweeps(ctx); err != nil || n != 1 {
		t.Fatalf("RecoverSweeps marked %d (%v), want 1", n, err)
	}
	last, _ := e.svc.GetSweep(ctx)
	if last.ID != dead.ID || !last.Interrupted || last.Running || last.Done != 1 || last.Total != 3 {
		t.Fatalf("last sweep after the restart: %+v", last)
	}
	open, _ := e.store.UnfinishedSweeps(ctx)
	if len(open) != 1 || open[0].ID != live.ID {
		t.Fatalf("the live sweep was touched: %+v", open)
	}
	if o, _ := e.svc.GetHealthOverview(ctx); o.LastSweep == nil || !o.LastSweep.Interrupted {
		t.Fatalf("the Health page does not show the interrupted sweep: %+v", o.LastSweep)
	}

	// The schedule does not wait an hour after an interrupted sweep.
	sctx, stop := context.WithCancel(ctx)
	go e.svc.RunSchedule(sctx, time.Hour)
	var fresh domain.SweepProgress
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if fresh, _ = e.svc.GetSweep(ctx); fresh.ID != dead.ID && !fresh.Running {
			break
		}
	}
	stop()
	if fresh.ID == dead.ID || fresh.Running || fresh.Interrupted || fresh.Done != 3 || fresh.FinishedAt == nil {
		t.Fatalf("no complete sweep after the restart: %+v", fresh)
	}
	conns, _ := e.svc.ListConnections(ctx)
	for _, c := range conns {
		if c.LastCheckedAt == nil || c.LastCheckedAt.Before(fresh.StartedAt.Add(-time.Second)) {
			t.Fatalf("%s was not checked by the new sweep", c.ID)
		}
	}
	stored, ok, err := e.store.LastSweep(ctx)
	if err != nil || !ok || stored.ID != fresh.ID || stored.FinishedAt == nil || stored.Done != 3 {
		t.Fatalf("the finished sweep was not stored: %+v %v", stored, err)
	}
}

func TestScheduledSweepsFollowEachWorkspaceInterval(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	fast, _ := e.svc.CreateWorkspace(ctx, domain.WorkspaceDraft{Name: "Fast"})
	off, _ := e.svc.CreateWorkspace(ctx, domain.WorkspaceDraft{Name: "Manual only"})
	five, zero, tooMany := 5, 0, 2000
	if _, err := e.svc.SetWorkspaceSweep(ctx, fast.ID, &tooMany); domain.Public(err).Field != "sweepMinutes" {
		t.Fatalf("2000 minutes accepted: %v", err)
	}
	if w, err := e.svc.SetWorkspaceSweep(ctx, fast.ID, &five); err != nil || w.SweepMinutes == nil || *w.SweepMinutes != 5 {
		t.Fatalf("set 5 minutes: %+v %v", w, err)
	}
	if _, err := e.svc.SetWorkspaceSweep(ctx, off.ID, &zero); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for name, ws := range map[string]string{"default": e.ws.ID, "fast": fast.ID, "off": off.ID} {
		d := e.draft(fakes.GenericGoodKey, fakes.GenericValidate)
		d.Label, d.WorkspaceIDs = "In "+name, []string{ws}
		c, err := e.svc.CreateConnection(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = c.ID
	}
	const def = 15 * time.Minute
	sweep := func(wantDue ...string) {
		t.Helper()
		due, err := e.svc.DueWorkspaces(ctx, def)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, w := range wantDue {
			want[map[string]string{"default": e.ws.ID, "fast": fast.ID}[w]] = true
		}
		if len(due) != len(want) {
			t.Fatalf("due %v, want %v", due, wantDue)
		}
		for w := range want {
			if !due[w] {
				t.Fatalf("due %v, want %v", due, wantDue)
			}
		}
		p, started, err := e.svc.SweepDue(ctx, def)
		if err != nil || started != (len(want) > 0) {
			t.Fatalf("SweepDue started=%v %v", started, err)
		}
		for started {
			if p, _ = e.svc.GetSweep(ctx); !p.Running {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	checks := func(name string) int {
		list, _ := e.svc.ListChecks(ctx, ids[name], 100)
		return len(list)
	}
	sweep() // nothing is due right after the start
	e.clock.Advance(6 * time.Minute)
	sweep("fast")
	if checks("fast") != 2 || checks("default") != 1 || checks("off") != 1 {
		t.Fatalf("after 6 minutes: fast %d, default %d, off %d checks", checks("fast"), checks("default"), checks("off"))
	}
	e.clock.Advance(10 * time.Minute)
	sweep("default", "fast")
	if checks("fast") != 3 || checks("default") != 2 || checks("off") != 1 {
		t.Fatalf("after 16 minutes: fast %d, default %d, off %d checks", checks("fast"), checks("default"), checks("off"))
	}
	// Back to the default interval.
	if w, err := e.svc.SetWorkspaceSweep(ctx, fast.ID, nil); err != nil || w.SweepMinutes != nil {
		t.Fatalf("reset: %+v %v", w, err)
	}
	e.clock.Advance(6 * time.Minute)
	sweep()
}
