package main

import (
	"context"
	"log/slog"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"patchbay/backend/service"
)

// The desktop window's life cycle: closing it hides it while Settings'
// "Keep checking in the background when the window is closed" is on (the
// backend keeps sweeping and notifying), launching Patchbay again or
// clicking one of its desktop notifications brings it back
// (SingleInstanceLock in main.go; backend/desktop's Notifier), and Quit
// (Ctrl+Q or Settings' Quit Patchbay, the app:quit event) or SIGINT/SIGTERM
// end the app.

// quitEvent is what the page emits to end the app.
const quitEvent = "app:quit"

// windowRuntime is the part of the Wails runtime the App calls: the
// runtime package in the window (wailsRuntime), a fake in tests.
type windowRuntime interface {
	EventsOn(ctx context.Context, name string, callback func(...any)) func()
	EventsEmit(ctx context.Context, name string, data ...any)
	WindowShow(ctx context.Context)
	WindowUnminimise(ctx context.Context)
	WindowHide(ctx context.Context)
	Quit(ctx context.Context)
	BrowserOpenURL(ctx context.Context, url string)
	// WindowGetSize runs on GTK's main loop and returns once it has: the
	// loop is running (beforeClose).
	WindowGetSize(ctx context.Context) (int, int)
}

// wailsRuntime is the Wails runtime package.
type wailsRuntime struct{}

func (wailsRuntime) EventsOn(ctx context.Context, name string, callback func(...any)) func() {
	return runtime.EventsOn(ctx, name, callback)
}
func (wailsRuntime) EventsEmit(ctx context.Context, name string, data ...any) {
	runtime.EventsEmit(ctx, name, data...)
}
func (wailsRuntime) WindowShow(ctx context.Context)       { runtime.WindowShow(ctx) }
func (wailsRuntime) WindowUnminimise(ctx context.Context) { runtime.WindowUnminimise(ctx) }
func (wailsRuntime) WindowHide(ctx context.Context)       { runtime.WindowHide(ctx) }
func (wailsRuntime) Quit(ctx context.Context)             { runtime.Quit(ctx) }
func (wailsRuntime) BrowserOpenURL(ctx context.Context, url string) {
	runtime.BrowserOpenURL(ctx, url)
}
func (wailsRuntime) WindowGetSize(ctx context.Context) (int, int) { return runtime.WindowGetSize(ctx) }

// followClicks brings the window to the front on each click on one of
// Patchbay's desktop notifications, until the window's context ends.
func (a *App) followClicks(ctx context.Context, svc *service.Service) {
	clicks := svc.DesktopActivations()
	for {
		select {
		case <-ctx.Done():
			return
		case <-clicks:
			slog.Info("desktop notification clicked")
			a.bringToFront()
		}
	}
}

// quit ends the app, whatever the background setting says.
func (a *App) quit() {
	a.quitting.Store(true)
	slog.Info("quitting")
	if ctx, ok := a.window(); ok {
		a.rt.Quit(ctx)
	}
}

// beforeClose decides what closing the window does: true keeps the app
// running with the window hidden. It lets only the first close through:
// Wails quits on SIGINT/SIGTERM by itself while the signal path in main.go
// quits too, and two of Wails' quits run gtk_main_quit on two goroutines at
// once (a SIGSEGV seen at exit after SIGTERM).
//
// The close it lets through first waits for GTK's main loop to run: Wails
// quits with gtk_main_quit, which does nothing before gtk_main has started
// ("assertion 'main_loops != NULL' failed"), and OnStartup, Wails' signal
// handler and the page's Quit can all come before it does. A SIGTERM while
// the window was still opening was lost so, and the app ran on until
// SIGKILL (scripts/desktop-xvfb.sh, step 8).
func (a *App) beforeClose(ctx context.Context) bool {
	if svc, ok := a.started(); ok && !a.quitting.Load() { // still starting, or could not: closing quits
		set, err := svc.GetSettings(ctx)
		if err == nil && set.KeepRunning {
			a.rt.WindowHide(ctx)
			slog.Info("window closed: Patchbay keeps checking in the background; launch it again or click its notification to show the window, or use Quit")
			return true
		}
	}
	if !a.closing.CompareAndSwap(false, true) {
		return true
	}
	a.rt.WindowGetSize(ctx)
	return false
}

// bringToFront shows, restores and focuses the window: a second launch of
// the app, or a click on one of its desktop notifications, while it keeps
// checking in the background with its window closed. Before startup there
// is nothing to bring back: the window is opening.
func (a *App) bringToFront() {
	ctx, ok := a.window()
	if !ok {
		slog.Info("window not open yet: nothing to bring to the front")
		return
	}
	a.rt.WindowShow(ctx)
	a.rt.WindowUnminimise(ctx)
	slog.Info("window brought to the front")
}
