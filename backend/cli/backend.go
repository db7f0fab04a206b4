package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"patchbay/backend/desktop"
	"patchbay/backend/domain"
	"patchbay/backend/service"
)

// Backend is the desktop window's backend. It starts beside the window
// rather than before it: the window's first frame needs none of the secret
// store probe, the database, the provider catalogue or the demo seed, so
// they no longer delay it. Bound methods wait for it (Service).
type Backend struct {
	// InstanceID names the window's single instance (Wails'
	// SingleInstanceLock): desktop.InstanceID of the data directory.
	InstanceID string

	ready chan struct{} // closed once svc or err is set
	svc   *service.Service
	err   error
}

// Ready is closed once the backend started, or failed to.
func (b *Backend) Ready() <-chan struct{} { return b.ready }

// Service waits until the backend started and returns it, or the error that
// stopped it. When ctx ends first it says Patchbay is still starting.
func (b *Backend) Service(ctx context.Context) (*service.Service, error) {
	select {
	case <-b.ready:
		return b.svc, b.err
	case <-ctx.Done():
		return nil, domain.Errorf(domain.EUnavailable, "Patchbay is still starting (opening its database and the keyring). Try again in a moment; if this persists, see patchbay.log in the data directory.")
	}
}

// startGate, when set (tests), runs at the beginning of the backend's start
// beside the window.
var startGate func()

// withAppBeside is withApp for the desktop window: fn (the window) runs at
// once, while the backend starts on another goroutine; scheduled sweeps
// begin once it has. Afterwards it waits for the start to end and closes
// what it opened.
func withAppBeside(c common, env Env, fn func(context.Context, *Backend) int) int {
	ctx, stop := signal.NotifyContext(env.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	bg, cancel := context.WithCancel(ctx)
	b := &Backend{InstanceID: instanceID(c), ready: make(chan struct{})}
	var a *app // set before ready closes, read after
	go func() {
		defer close(b.ready)
		if startGate != nil {
			startGate()
		}
		started, err := start(bg, c, env)
		if err != nil {
			if bg.Err() != nil { // SIGINT or SIGTERM (or the window closed) while starting: not a failure
				err = bg.Err()
			}
			b.err = err
			return
		}
		a, b.svc = started, started.svc
		scheduleSweeps(bg, a, c.sweepEvery, env.Assets)
		a.trace.mark("background work started")
	}()
	defer func() {
		// Stop the background work (sweeps, triggers, runs) before the
		// database closes under it; a start still running is cancelled.
		cancel()
		<-b.ready
		if a != nil {
			a.svc.CancelSweepIfRunning()
			a.svc.Wait()
			a.close()
		}
	}()
	return fn(bg, b)
}

// instanceID is the single-instance id of c's data directory, before the
// backend has opened it. A --demo without a data directory gets a fresh one
// (start), so it is an instance of its own.
func instanceID(c common) string {
	if c.demo && c.dataDir == "" && os.Getenv("PATCHBAY_DATA_DIR") == "" {
		return desktop.InstanceID(fmt.Sprintf("throwaway-demo-%d", os.Getpid()))
	}
	dir, err := dataDir(c)
	if err != nil {
		return desktop.InstanceID("") // start fails with the reason
	}
	return desktop.InstanceID(dir)
}
