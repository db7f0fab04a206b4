// Command patchbay keeps a small team's third-party integrations connected.
// With no subcommand it opens the desktop window (Wails); `patchbay serve`
// serves the same app to a browser. All logic lives in backend/; this file
// only embeds the built frontend and starts the window.
package main

import (
	"context"
	"embed"
	"io/fs"
	"os"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"

	"patchbay/backend/cli"
	"patchbay/backend/service"
)

//go:embed all:frontend/dist
var assets embed.FS

func main() {
	dist, err := fs.Sub(assets, "frontend/dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory exists
	}
	os.Exit(cli.Main(os.Args[1:], cli.Env{Assets: dist, Desktop: runWindow}))
}

// runWindow opens the Wails window bound to svc and blocks until it closes.
func runWindow(ctx context.Context, svc *service.Service, assets fs.FS) error {
	app := NewApp(svc)
	return wails.Run(&options.App{
		Title:            "Patchbay",
		Width:            1280,
		Height:           800,
		MinWidth:         900,
		MinHeight:        600,
		AssetServer:      &assetserver.Options{Assets: assets},
		BackgroundColour: &options.RGBA{R: 246, G: 247, B: 249, A: 255},
		OnStartup:        app.startup,
		OnShutdown:       app.shutdown,
		Bind:             []any{app},
	})
}
