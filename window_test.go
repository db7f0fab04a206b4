package main

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"patchbay/backend/secrets"
	"patchbay/backend/service"
	"patchbay/backend/store"
)

// fakeRuntime records the App's calls into the Wails runtime and checks
// each gets the context startup received.
type fakeRuntime struct {
	t     *testing.T
	want  context.Context
	mu    sync.Mutex
	calls []string
	shown chan struct{}
}

func (f *fakeRuntime) record(ctx context.Context, call string) {
	if ctx != f.want {
		f.t.Errorf("%s got a context other than the window's", call)
	}
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
	if call == "WindowShow" {
		f.shown <- struct{}{}
	}
}

func (f *fakeRuntime) EventsOn(ctx context.Context, name string, _ func(...any)) func() {
	f.record(ctx, "EventsOn "+name)
	return func() {}
}
func (f *fakeRuntime) EventsEmit(ctx context.Context, name string, _ ...any) {
	f.record(ctx, "EventsEmit "+name)
}
func (f *fakeRuntime) WindowShow(ctx context.Context)       { f.record(ctx, "WindowShow") }
func (f *fakeRuntime) WindowUnminimise(ctx context.Context) { f.record(ctx, "WindowUnminimise") }
func (f *fakeRuntime) WindowHide(ctx context.Context)       { f.record(ctx, "WindowHide") }
func (f *fakeRuntime) Quit(ctx context.Context)             { f.record(ctx, "Quit") }
func (f *fakeRuntime) BrowserOpenURL(ctx context.Context, _ string) {
	f.record(ctx, "BrowserOpenURL")
}

// clickingNotifier is a desktop notifier whose notifications the test
// "clicks" (backend/desktop's Notifier hears ActionInvoked over D-Bus).
type clickingNotifier struct{ clicks chan struct{} }

func (clickingNotifier) Notify(context.Context, string, string, bool) (uint32, error) {
	return 1, nil
}
func (n clickingNotifier) Activated() <-chan struct{} { return n.clicks }

func newTestApp(t *testing.T) (*App, *fakeRuntime, clickingNotifier, context.Context) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "patchbay.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	n := clickingNotifier{clicks: make(chan struct{}, 1)}
	app := NewApp(service.New(service.Options{Store: st, Secrets: secrets.NewMemory(), Desktop: n}))
	wctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	rt := &fakeRuntime{t: t, want: wctx, shown: make(chan struct{}, 8)}
	app.rt = rt
	return app, rt, n, wctx
}

// Wails runs OnStartup on a goroutine of its own while the page already
// calls bound methods (internal/frontend/desktop/linux/frontend.go, Run), and
// a second launch or a notification click can come at any time: under
// -race, startup must not race them.
func TestStartupRacesBoundMethods(t *testing.T) {
	app, rt, _, wctx := newTestApp(t)
	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); app.startup(wctx) }()
	go func() {
		defer wg.Done()
		if _, err := app.GetAppInfo(); err != nil {
			t.Errorf("GetAppInfo beside startup: %v", err)
		}
	}()
	go func() {
		defer wg.Done()
		if _, err := app.GetSettings(); err != nil {
			t.Errorf("GetSettings beside startup: %v", err)
		}
	}()
	go func() { defer wg.Done(); app.bringToFront() }() // a second launch
	wg.Wait()
	app.shutdown(wctx)
	app.shutdown(wctx) // twice: Wails and the signal path may both end it
	if ctx, ok := app.window(); !ok || ctx != wctx {
		t.Fatal("after startup the App does not hold the window's context")
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.calls) == 0 || rt.calls[0] != "EventsOn "+quitEvent {
		t.Fatalf("runtime calls %q: startup did not listen for the page's Quit", rt.calls)
	}
}

// Before startup there is no window to bring back: a second launch then
// must not reach the Wails runtime (it exits the process on a context
// without a window).
func TestBringToFrontBeforeStartupDoesNothing(t *testing.T) {
	app, rt, _, _ := newTestApp(t)
	app.bringToFront()
	app.quit()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.calls) != 0 {
		t.Fatalf("before startup the App called the runtime: %q", rt.calls)
	}
}

// A click on a desktop notification shows and restores the window.
func TestNotificationClickBringsTheWindowBack(t *testing.T) {
	app, rt, n, wctx := newTestApp(t)
	app.startup(wctx)
	defer app.shutdown(wctx)
	n.clicks <- struct{}{}
	select {
	case <-rt.shown:
	case <-time.After(10 * time.Second):
		t.Fatal("the window was not shown within 10 s of a click on its notification")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		rt.mu.Lock()
		unminimised := slices.Contains(rt.calls, "WindowUnminimise")
		rt.mu.Unlock()
		if unminimised {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the window was shown but not unminimised")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
