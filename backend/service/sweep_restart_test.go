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
	now := time.Now().UTC()
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
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
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
