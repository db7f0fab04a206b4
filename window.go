package main

import (
	"context"
	"log/slog"

	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// The desktop window's life cycle: closing it hides it while Settings'
// "Keep checking in the background when the window is closed" is on (the
// backend keeps sweeping and notifying), launching Patchbay again brings it
// back (SingleInstanceLock in main.go), and Quit (Ctrl+Q or Settings' Quit
// Patchbay, the app:quit event) or SIGINT/SIGTERM end the app.

// quitEvent is what the page emits to end the app.
const quitEvent = "app:quit"

// windowStartup listens for the page's Quit.
func (a *App) windowStartup(ctx context.Context) {
	runtime.EventsOn(ctx, quitEvent, func(...any) { a.quit() })
}

// quit ends the app, whatever the background setting says.
func (a *App) quit() {
	a.quitting.Store(true)
	slog.Info("quitting")
	runtime.Quit(a.ctx)
}

// beforeClose decides what closing the window does: true keeps the app
// running with the window hidden.
func (a *App) beforeClose(ctx context.Context) bool {
	if a.quitting.Load() {
		return false
	}
	set, err := a.svc.GetSettings(ctx)
	if err != nil || !set.KeepRunning {
		return false
	}
	runtime.WindowHide(ctx)
	slog.Info("window closed: Patchbay keeps checking in the background; launch it again to show the window, or use Quit")
	return true
}

// bringToFront shows, restores and focuses the window: a second launch of
// the app, or the app launched again while it keeps checking in the
// background with its window closed.
func (a *App) bringToFront() {
	runtime.WindowShow(a.ctx)
	runtime.WindowUnminimise(a.ctx)
	slog.Info("window brought to the front")
}
