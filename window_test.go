package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"patchbay/backend/domain"
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
	// mainLoop, when set, holds WindowGetSize until it is closed (GTK's
	// main loop starts); entered hears each WindowGetSize call.
	mainLoop chan struct{}
	entered  chan struct{}
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
func (f *fakeRuntime) WindowGetSize(ctx context.Context) (int, int) {
	f.record(ctx, "WindowGetSize")
	if f.mainLoop != nil {
		f.entered <- struct{}{}
		<-f.mainLoop
	}
	return 1280, 800
}

// clickingNotifier is a desktop notifier whose notifications the test
// "clicks" (backend/desktop's Notifier hears ActionInvoked over D-Bus).
type clickingNotifier struct{ clicks chan struct{} }

func (clickingNotifier) Notify(context.Context, string, string, bool) (uint32, error) {
	return 1, nil
}
func (n clickingNotifier) Activated() <-chan struct{} { return n.clicks }

// testBackend stands in for cli.Backend: ready when the test says.
type testBackend struct {
	ready chan struct{}
	svc   *service.Service
	err   error
}

func (b *testBackend) Ready() <-chan struct{} { return b.ready }

func (b *testBackend) Service(ctx context.Context) (*service.Service, error) {
	select {
	case <-b.ready:
		return b.svc, b.err
	case <-ctx.Done():
		return nil, domain.Errorf(domain.EUnavailable, "Patchbay is still starting.")
	}
}

func newTestApp(t *testing.T) (*App, *fakeRuntime, clickingNotifier, context.Context) {
	t.Helper()
	app, rt, n, wctx, b := newStartingApp(t)
	close(b.ready)
	return app, rt, n, wctx
}

// newStartingApp is an App whose backend has not started yet (close
// b.ready to start it).
func newStartingApp(t *testing.T) (*App, *fakeRuntime, clickingNotifier, context.Context, *testBackend) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "patchbay.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	n := clickingNotifier{clicks: make(chan struct{}, 1)}
	b := &testBackend{ready: make(chan struct{}), svc: service.New(service.Options{Store: st, Secrets: secrets.NewMemory(), Desktop: n})}
	app := NewApp(b)
	wctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	rt := &fakeRuntime{t: t, want: wctx, shown: make(chan struct{}, 8)}
	app.rt = rt
	return app, rt, n, wctx, b
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
	waitForCall(t, rt, "WindowUnminimise", "the window was shown but not unminimised")
}

// waitForCall waits up to 10 s for the fake runtime to see call, and fails
// with failure when it does not.
func waitForCall(t *testing.T, rt *fakeRuntime, call, failure string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		rt.mu.Lock()
		seen := slices.Contains(rt.calls, call)
		rt.mu.Unlock()
		if seen {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(failure)
		}
	}
}

// The backend starts beside the window: a bound method called meanwhile
// waits for it and then answers.
func TestBoundMethodWaitsForTheBackend(t *testing.T) {
	app, _, _, wctx, b := newStartingApp(t)
	app.startup(wctx)
	defer app.shutdown(wctx)
	if keep := app.beforeClose(wctx); keep {
		t.Fatal("closing while the backend starts kept the app running; it should quit")
	}
	type answer struct {
		set domain.Settings
		err error
	}
	got := make(chan answer, 1)
	go func() {
		set, err := app.GetSettings()
		got <- answer{set, err}
	}()
	close(b.ready)
	select {
	case a := <-got:
		if a.err != nil || !a.set.DesktopNotifications {
			t.Fatalf("GetSettings once started: %+v %v", a.set, a.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("GetSettings did not answer within 30 s of the backend starting")
	}
}

// A backend that never starts: bound methods give up after startWait with
// the backend's reason, as the UI's error JSON.
func TestBoundMethodGivesUpWithAClearError(t *testing.T) {
	app, _, _, wctx, _ := newStartingApp(t)
	app.startWait = 10 * time.Millisecond
	app.startup(wctx)
	_, err := app.ListConnections()
	if err == nil || !strings.Contains(err.Error(), `"code":"unavailable"`) || !strings.Contains(err.Error(), "still starting") {
		t.Fatalf("ListConnections with no backend: %v", err)
	}
}

// A backend that cannot start closes the window.
func TestBackendFailureClosesTheWindow(t *testing.T) {
	app, rt, _, wctx, b := newStartingApp(t)
	b.err = domain.Errorf(domain.EInvalid, "not a Patchbay database")
	app.startup(wctx)
	close(b.ready)
	waitForCall(t, rt, "Quit", "the window did not close within 10 s of the backend failing to start")
}

// Quit and Wails' own SIGINT/SIGTERM handling both close the window: only
// the first close may go through (two concurrent gtk_main_quit crash GTK).
func TestOnlyOneCloseGoesThrough(t *testing.T) {
	for _, keepRunning := range []bool{false, true} {
		app, _, _, wctx := newTestApp(t)
		app.startup(wctx)
		setKeepRunning(t, app, wctx, keepRunning)
		if keepRunning && !app.beforeClose(wctx) {
			t.Fatal("closing with keep running on quit instead of hiding")
		}
		app.quit()
		if app.beforeClose(wctx) {
			t.Fatalf("keep running %v: the first close after Quit was refused", keepRunning)
		}
		if !app.beforeClose(wctx) {
			t.Fatalf("keep running %v: a second close went through too", keepRunning)
		}
		app.shutdown(wctx)
	}
}

// A close that goes through (Quit, SIGINT/SIGTERM, the close button) waits
// until GTK's main loop runs: Wails then calls gtk_main_quit, which does
// nothing before gtk_main has started, so a SIGTERM while the window was
// still opening was lost and the app needed SIGKILL.
func TestCloseWaitsForTheMainLoop(t *testing.T) {
	for _, keepRunning := range []bool{false, true} {
		app, rt, _, wctx := newTestApp(t)
		rt.mainLoop, rt.entered = make(chan struct{}), make(chan struct{}, 1)
		app.startup(wctx)
		setKeepRunning(t, app, wctx, keepRunning)
		app.quit() // the signal path in main.go, before gtk_main runs
		closed := make(chan bool, 1)
		go func() { closed <- app.beforeClose(wctx) }()
		select {
		case keep := <-closed:
			t.Fatalf("keep running %v: the close returned %v before GTK's main loop ran (its gtk_main_quit would be lost)", keepRunning, keep)
		case <-rt.entered:
		case <-time.After(10 * time.Second):
			t.Fatalf("keep running %v: the close neither waited for the main loop nor returned within 10 s", keepRunning)
		}
		close(rt.mainLoop) // gtk_main runs
		select {
		case keep := <-closed:
			if keep {
				t.Fatalf("keep running %v: the close after Quit kept the app running", keepRunning)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("keep running %v: the close did not go through within 10 s of the main loop running", keepRunning)
		}
		app.shutdown(wctx)
	}
}

// TestWindowDoesNotCompositeWithGL: the window keeps Wails' default GPU
// policy (Never) although it sets Linux options. With the zero value
// (OnDemand) WebKit composites the page through GL, which took the idle
// memory to 1.29x and the first paint to 1.29x the bare template.
func TestWindowDoesNotCompositeWithGL(t *testing.T) {
	opts := windowOptions(context.Background(), nil, "test", nil)
	if opts.Linux == nil {
		t.Fatal("no Linux options: the window icon is missing")
	}
	if got := opts.Linux.WebviewGpuPolicy; got != linux.WebviewGpuPolicyNever {
		t.Errorf("WebviewGpuPolicy = %d, want WebviewGpuPolicyNever (%d)", got, linux.WebviewGpuPolicyNever)
	}
	if len(opts.Linux.Icon) == 0 {
		t.Error("the window has no icon")
	}
}

// setKeepRunning sets "Keep checking in the background when the window is
// closed" through the started app's service.
func setKeepRunning(t *testing.T, app *App, ctx context.Context, on bool) {
	t.Helper()
	svc, _ := app.started()
	set, err := svc.GetSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set.KeepRunning = on
	if _, err := svc.UpdateSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
}
