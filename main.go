// Command patchbay keeps a small team's third-party integrations connected.
// With no subcommand it opens the desktop window (Wails); `patchbay serve`
// serves the same app to a browser. All logic lives in backend/; this file
// only embeds the built frontend and starts the window.
package main

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"patchbay/backend/cli"
	"patchbay/backend/webassets"
)

//go:embed all:frontend/dist
var assets embed.FS

// appIcon is the window's icon (packaging/patchbay.svg at 256 px), for
// desktops that show it in the title bar, task bar or window switcher.
//
//go:embed build/appicon.png
var appIcon []byte

// started is when the process started, for the start-up trace (--verbose).
var started = time.Now()

func main() {
	dist, err := fs.Sub(assets, "frontend/dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory exists
	}
	// The build stores scripts and styles gzipped (frontend/vite.config.ts).
	os.Exit(cli.Main(os.Args[1:], cli.Env{Assets: webassets.Gunzip(dist), Desktop: runWindow, Started: started}))
}

// runWindow opens the Wails window bound to the backend b, which starts
// beside it, and blocks until the window closes.
func runWindow(ctx context.Context, b *cli.Backend, assets fs.FS) error {
	return wails.Run(windowOptions(ctx, NewApp(b), b.InstanceID, assets))
}

// windowOptions is the window runWindow opens: app bound to it, ctx ending
// closes it, instanceID names its single-instance lock.
func windowOptions(ctx context.Context, app *App, instanceID string, assets fs.FS) *options.App {
	return &options.App{
		Title:            "Patchbay",
		Width:            1280,
		Height:           800,
		MinWidth:         900,
		MinHeight:        600,
		AssetServer:      &assetserver.Options{Assets: assets},
		BackgroundColour: &options.RGBA{R: 246, G: 247, B: 249, A: 255},
		OnStartup: func(wctx context.Context) {
			app.startup(wctx)
			// SIGINT or SIGTERM (ctx ends): close the window, so the
			// deferred shutdown of the backend runs.
			go func() {
				select {
				case <-ctx.Done():
					app.quit()
				case <-wctx.Done():
				}
			}()
		},
		OnDomReady: func(context.Context) {
			slog.Debug("startup", "stage", "window DOM ready", "since_start_ms", time.Since(started).Milliseconds())
		},
		Linux: &linux.Options{
			Icon: appIcon,
			// Wails' own choice when Linux options are nil (its issue 2977),
			// stated again here because a zero value means OnDemand: WebKit
			// then composites the page with GL (llvmpipe without a GPU),
			// which costs ~90 MB in the web process and a slower first frame
			// (make bench, desktop-idle-memory and desktop-first-paint).
			WebviewGpuPolicy: linux.WebviewGpuPolicyNever,
		},
		OnShutdown:    app.shutdown,
		OnBeforeClose: app.beforeClose,
		// One window per data directory: a second launch (cli looks first,
		// desktop.Instance) shows and focuses this one.
		SingleInstanceLock: &options.SingleInstanceLock{
			UniqueId: instanceID,
			OnSecondInstanceLaunch: func(options.SecondInstanceData) {
				app.bringToFront()
			},
		},
		Bind: []any{app},
	}
}
