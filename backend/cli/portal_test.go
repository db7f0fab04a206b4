package cli

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/events"
)

// startPortalApp starts an empty demo app (quiet) with the client portal's
// listener serving assets, which follows the portal address of Settings;
// both stop when the test ends. The context is the app's.
func startPortalApp(t *testing.T, assets fstest.MapFS) (context.Context, *app) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	app, err := start(ctx, common{demo: true, demoEmpty: true}, Env{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	app.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	t.Cleanup(func() { cancel(); app.svc.Wait(); app.close() })
	app.svc.Go(func() { runPortal(ctx, app, assets) })
	return ctx, app
}

// listenPortalOnAFreePort saves a free 127.0.0.1 port as the portal address
// and waits (deadline 10 s a try) until the listener follows it; it returns
// the address listened on. A port found free can be taken by another
// process before the listener binds it (seen under load: "address already
// in use"), so that answer makes it try another port, up to five times.
func listenPortalOnAFreePort(t *testing.T, ctx context.Context, app *app) string {
	t.Helper()
	last := ""
	for try := 0; try < 5; try++ {
		free, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := free.Addr().String()
		free.Close()
		if _, err := app.svc.UpdateSettings(ctx, domain.Settings{DesktopNotifications: true, PortalAddress: port}); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			set, _ := app.svc.GetSettings(ctx)
			last = set.PortalListening
			if strings.HasPrefix(last, "Listening on "+port) {
				return port
			}
			if strings.Contains(last, port) && strings.Contains(last, "address already in use") {
				break // taken meanwhile: another port
			}
			if time.Now().After(deadline) {
				t.Fatalf("the portal did not follow the saved address %s within 10 s: %q", port, last)
			}
		}
	}
	t.Fatalf("no free port the portal could listen on in five tries: %q", last)
	return ""
}

// TestPortalListenerFollowsSettings: the portal address of Settings starts a
// portal-only listener (no operator page or API there), moving it or
// clearing it takes effect without a restart.
func TestPortalListenerFollowsSettings(t *testing.T) {
	ctx, app := startPortalApp(t, fstest.MapFS{"portal.html": {Data: []byte("<title>Patchbay portal</title>")}, "assets/app.js": {Data: []byte("//js")}})

	listening := func(want string) string {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			set, _ := app.svc.GetSettings(ctx)
			if (want == "" && set.PortalListening == "") || (want != "" && strings.HasPrefix(set.PortalListening, want)) {
				return strings.TrimPrefix(set.PortalListening, "Listening on ")
			}
		}
		set, _ := app.svc.GetSettings(ctx)
		t.Fatalf("portal status %q, want %q", set.PortalListening, want)
		return ""
	}
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	listening("") // off by default
	addr := listenPortalOnAFreePort(t, ctx, app)
	base := "http://" + addr
	tests := []struct {
		path string
		want int
		body string
	}{
		{"/portal/connections", 200, "Patchbay portal"},
		{"/assets/app.js", 200, "//js"},
		{"/", 404, "Only the client portal"},
		{"/integrations", 404, "Only the client portal"},
		{"/portal/api/connections", 401, "session"},
		{"/portal/r/forged.token", 401, ""},
	}
	for _, tt := range tests {
		if status, body := get(base + tt.path); status != tt.want || !strings.Contains(body, tt.body) {
			t.Errorf("GET %s: %d %q, want %d with %q", tt.path, status, body, tt.want, tt.body)
		}
	}
	resp, err := http.Post(base+"/api/rpc/GetAppInfo", "application/json", strings.NewReader("[]"))
	if err != nil || resp.StatusCode != 404 {
		t.Fatalf("the operator API is reachable on the portal address: %v %v", resp, err)
	}
	resp.Body.Close()

	// Cleared: the listener stops.
	if _, err := app.svc.UpdateSettings(ctx, domain.Settings{DesktopNotifications: true}); err != nil {
		t.Fatal(err)
	}
	listening("")
	if status, _ := get(base + "/portal/connections"); status != 0 {
		t.Fatalf("the portal still answers after it was turned off: %d", status)
	}
}

// TestPortalListenerFollowsSettingsWhileTheBusIsFlooded: the listener
// follows a saved portal address even while 10,000 events flood the bus
// (which drops events for a subscriber that falls behind).
func TestPortalListenerFollowsSettingsWhileTheBusIsFlooded(t *testing.T) {
	ctx, app := startPortalApp(t, fstest.MapFS{"portal.html": {Data: []byte("<title>Patchbay portal</title>")}})
	// A slow subscriber, like a UI that is busy: its buffer fills up.
	_, stop := app.svc.Bus().Subscribe()
	defer stop()
	flooded := make(chan struct{})
	go func() {
		defer close(flooded)
		for i := 0; i < 100; i++ {
			for j := 0; j < 100; j++ {
				app.svc.Bus().Publish(events.ConnectionChanged, events.ConnectionRef{ID: "conn_other"})
			}
			time.Sleep(time.Millisecond)
		}
	}()
	listenPortalOnAFreePort(t, ctx, app) // while the flood goes on
	<-flooded
}
