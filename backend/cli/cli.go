// Package cli parses Patchbay's command line and wires the backend together:
// data directory, logging, secret store, database, provider catalogue, the
// service layer and, for --demo, the in-process fake providers. The desktop
// window itself is started by main.go (the only place that imports Wails),
// through the Desktop function it passes in.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"patchbay/backend/desktop"
	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/httpapi"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
	"patchbay/backend/serving"
	"patchbay/backend/store"
)

// Version is set at build time with -ldflags "-X patchbay/backend/cli.Version=…".
var Version = "0.0.0-dev"

// Desktop opens the app window and blocks until it is closed. The backend
// starts beside the window (b.Service waits for it); the window closes when
// it cannot start.
type Desktop func(ctx context.Context, b *Backend, assets fs.FS) error

// Env is what main.go hands the command line: the built frontend, the
// desktop runner and the standard streams.
type Env struct {
	Assets  fs.FS
	Desktop Desktop
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	// Context ends the process's work when cancelled (besides SIGINT and
	// SIGTERM); nil means never.
	Context context.Context
	// Started is when the process started (main's first line); the
	// start-up trace (--verbose) counts from it. Zero means when Main runs.
	Started time.Time
}

// Exit codes.
const (
	ExitOK        = 0
	ExitAttention = 1 // a command ran and found something that needs attention, or failed
	ExitUsage     = 2 // bad command line
)

const usage = `Patchbay keeps your team's third-party integrations connected.

Usage:
  patchbay [flags]            open the desktop window
  patchbay serve [flags]      run headless and serve the app in a browser
  patchbay check [--json]     validate every connection now; exit 1 if any needs attention
  patchbay export [--format]  write the health report (html, json or csv)
  patchbay token CONNECTION   print a fresh token of a connection (id or label) for a script
  patchbay git-credential get|store|erase|install
                              git credential helper handing out connections' tokens
  patchbay version            print the version
  patchbay help [command]     show help

Run 'patchbay COMMAND --help' for a command's flags.
`

// Main runs the command line and returns the process exit code.
func Main(args []string, env Env) int {
	if env.Stdin == nil {
		env.Stdin = os.Stdin
	}
	if env.Stdout == nil {
		env.Stdout = os.Stdout
	}
	if env.Stderr == nil {
		env.Stderr = os.Stderr
	}
	if env.Context == nil {
		env.Context = context.Background()
	}
	cmd, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "":
		return runDesktop(rest, env)
	case "serve":
		return runServe(rest, env)
	case "check":
		return runCheck(rest, env)
	case "export":
		return runExport(rest, env)
	case "token":
		return runToken(rest, env)
	case "git-credential":
		return runGitCredential(rest, env)
	case "version":
		fmt.Fprintf(env.Stdout, "patchbay %s\n", Version)
		return ExitOK
	case "help":
		if len(rest) > 0 {
			return Main([]string{rest[0], "--help"}, env)
		}
		fmt.Fprint(env.Stdout, usage)
		return ExitOK
	default:
		fmt.Fprintf(env.Stderr, "patchbay: unknown command %q\n\n%s", cmd, usage)
		return ExitUsage
	}
}

// common holds the flags every app-running command shares.
type common struct {
	dataDir      string
	demo         bool
	insecureFile bool
	verbose      bool
	demoEmpty    bool
	demoBulk     int
	sweepEvery   time.Duration
	retention    time.Duration
	// pruneLater leaves pruning the history to scheduleSweeps (the window
	// and serve), off the path to the first frame.
	pruneLater bool
	// quiet logs only errors to stderr (token and git-credential write
	// what their caller reads; the log file still gets everything).
	quiet bool
	// actor is who acts, for the audit log (default "window").
	actor string
}

func (c *common) register(fl *flag.FlagSet) {
	fl.StringVar(&c.dataDir, "data-dir", "", "data directory (default: $PATCHBAY_DATA_DIR or the OS config dir + /patchbay)")
	fl.BoolVar(&c.demo, "demo", false, "start with a throwaway data directory and in-process fake providers")
	fl.BoolVar(&c.insecureFile, "insecure-file-secrets", false, "if no OS keyring is available, keep secrets in a 0600 file in the data directory")
	fl.BoolVar(&c.verbose, "verbose", false, "log debug details")
	fl.BoolVar(&c.demoEmpty, "demo-empty", false, "with --demo: start with no integrations instead of one per provider")
	fl.IntVar(&c.demoBulk, "demo-bulk", 0, "with --demo: add this many display-only integrations (the 10,000-row render benchmark)")
	fl.DurationVar(&c.sweepEvery, "sweep-interval", 15*time.Minute, "how often to check the connections of workspaces without their own interval (Settings) in the background; 0 turns background checks off")
	fl.DurationVar(&c.retention, "retention", 90*24*time.Hour, "how long to keep check history")
}

func newFlagSet(name, synopsis string, env Env) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	fl.Usage = func() {
		fmt.Fprintf(fl.Output(), "%s\n\nFlags:\n", synopsis)
		fl.PrintDefaults()
	}
	return fl
}

// parse parses flags; it returns done=true with the exit code for --help and
// usage errors.
func parse(fl *flag.FlagSet, args []string, env Env) (code int, done bool) {
	err := fl.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fl.SetOutput(env.Stdout)
		fl.Usage()
		return ExitOK, true
	case err != nil:
		return ExitUsage, true
	case fl.NArg() > 0:
		fmt.Fprintf(env.Stderr, "patchbay %s: unexpected argument %q\n", fl.Name(), fl.Arg(0))
		return ExitUsage, true
	}
	return 0, false
}

func runDesktop(args []string, env Env) int {
	c := common{pruneLater: true}
	fl := newFlagSet("patchbay", "Usage: patchbay [flags]\n\nOpens the Patchbay desktop window.", env)
	c.register(fl)
	if code, done := parse(fl, args, env); done {
		return code
	}
	if running, dir := bringToFront(env, c, args); running {
		fmt.Fprintf(env.Stdout, "Patchbay is already running with the data directory %s: its window was brought to the front.\n", dir)
		return ExitOK
	}
	if env.Desktop == nil {
		return fail(env, domain.Errorf(domain.EUnavailable, "This build has no desktop window: run 'patchbay serve' and open the URL it prints in a browser."))
	}
	return withAppBeside(c, env, func(ctx context.Context, b *Backend) int {
		if err := env.Desktop(ctx, b, env.Assets); err != nil {
			return fail(env, fmt.Errorf("desktop window: %w", err))
		}
		select {
		case <-b.Ready():
			if b.err != nil && !errors.Is(b.err, context.Canceled) { // the window closed because the backend could not start
				return fail(env, b.err)
			}
		default: // closed while still starting: nothing went wrong
		}
		return ExitOK
	})
}

// bringToFront asks a window already running on c's data directory to show
// itself (desktop.Instance, the protocol of Wails' SingleInstanceLock that
// the window holds) and reports whether there was one. It looks before the
// backend starts, so a second launch never opens the database, probes the
// keyring or starts background sweeps beside the first. A --demo without a
// data directory gets a fresh one, so it is always an instance of its own.
func bringToFront(env Env, c common, args []string) (bool, string) {
	if c.demo && c.dataDir == "" && os.Getenv("PATCHBAY_DATA_DIR") == "" {
		return false, ""
	}
	dir, err := dataDir(c)
	if err != nil {
		return false, ""
	}
	wd, _ := os.Getwd()
	ctx, cancel := context.WithTimeout(env.Context, 5*time.Second)
	defer cancel()
	running, err := desktop.Instance{ID: desktop.InstanceID(dir)}.BringToFront(ctx, args, wd)
	if err != nil {
		fmt.Fprintf(env.Stderr, "patchbay: %v; starting anyway\n", err)
	}
	return running, dir
}

// withApp starts the backend for c, runs fn with a context that ends on
// SIGINT/SIGTERM, and closes the backend afterwards.
func withApp(c common, env Env, fn func(context.Context, *app) int) int {
	ctx, stop := signal.NotifyContext(env.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	app, err := start(ctx, c, env)
	if err != nil {
		return fail(env, err)
	}
	bg, cancel := context.WithCancel(ctx)
	defer func() {
		// Stop the background work (sweeps, triggers, runs) before the
		// database closes under it.
		cancel()
		app.svc.CancelSweepIfRunning()
		app.svc.Wait()
		app.close()
	}()
	return fn(bg, app)
}

// pruneHistory deletes check history older than retention.
func pruneHistory(ctx context.Context, a *app, retention time.Duration) {
	if n, err := a.svc.PruneHistory(ctx, retention); err != nil && ctx.Err() == nil { // not stopped by SIGINT/SIGTERM
		a.log.Error("prune check history", "err", err)
	} else if n > 0 {
		a.log.Info("pruned check history", "checks", n, "retention", retention)
	}
}

// scheduleSweeps runs background health sweeps, the runs engine's
// background work and the client portal's own listener while ctx lasts.
func scheduleSweeps(ctx context.Context, app *app, every time.Duration, assets fs.FS) {
	// Pruning a long history can take a while: the window (or serve) does
	// not wait for it (start skipped it, common.pruneLater).
	if app.retention > 0 {
		app.svc.Go(func() { pruneHistory(ctx, app, app.retention) })
	}
	app.svc.StartBackground(ctx)
	if every > 0 {
		app.svc.Go(func() { app.svc.RunSchedule(ctx, every) })
	}
	app.svc.Go(func() { runPortal(ctx, app, assets) })
}

// runPortal serves the client portal alone on the portal address of
// Settings (none by default), following changes to it until ctx ends. It
// follows the service's SettingsSaved signal, never the event bus (which
// drops events for a subscriber that falls behind).
func runPortal(ctx context.Context, app *app, assets fs.FS) {
	saved := app.svc.SettingsSaved()
	var (
		current string
		srv     *http.Server
	)
	shutdown := func() {
		if srv != nil {
			c, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			_ = srv.Shutdown(c)
			cancel()
			srv = nil
		}
	}
	defer shutdown()
	apply := func() {
		set, err := app.svc.GetSettings(ctx)
		if err != nil || (set.PortalAddress == current && (srv != nil || current == "")) {
			return
		}
		shutdown()
		current = set.PortalAddress
		if current == "" {
			app.svc.SetPortalStatus("")
			return
		}
		ln, err := net.Listen("tcp", current)
		if err != nil {
			app.log.Warn("client portal not listening", "addr", current, "err", err)
			app.svc.SetPortalStatus(fmt.Sprintf("Not listening: %v. Choose another port.", err))
			return
		}
		if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
			app.log.Warn("the client portal is reachable from other machines", "addr", ln.Addr().String())
		}
		srv, _ = serving.Portal.Serve(ln, httpapi.NewPortal(app.svc, assets, ln.Addr(), app.log).Handler())
		app.log.Info("client portal listening", "addr", ln.Addr().String())
		app.svc.SetPortalStatus("Listening on " + ln.Addr().String())
	}
	apply()
	for {
		select {
		case <-ctx.Done():
			return
		case <-saved:
			apply()
		}
	}
}

func runServe(args []string, env Env) int {
	c := common{pruneLater: true}
	fl := newFlagSet("serve", "Usage: patchbay serve [--addr 127.0.0.1:PORT] [flags]\n\nRuns Patchbay headless and serves the app to a browser. It prints the URL to open,\nwhich carries a per-start token; API calls without it are refused.", env)
	c.register(fl)
	addr := fl.String("addr", "127.0.0.1:0", "address to listen on (port 0 picks a free one); loopback unless you mean to expose it")
	if code, done := parse(fl, args, env); done {
		return code
	}
	c.actor = "serve"
	return withApp(c, env, func(ctx context.Context, app *app) int {
		scheduleSweeps(ctx, app, c.sweepEvery, env.Assets)
		return serve(ctx, app, *addr, env)
	})
}

// serve runs the HTTP transport on addr until ctx ends.
func serve(ctx context.Context, app *app, addr string, env Env) int {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fail(env, domain.Errorf(domain.EUnavailable, "Cannot listen on %s: %v. Is another program using the port? Choose another with --addr (127.0.0.1:0 picks a free one).", addr, err))
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		app.log.Warn("serving on a non-loopback address: anyone who can reach it and has the URL can use Patchbay", "addr", ln.Addr().String())
	}
	srv := httpapi.New(app.svc, env.Assets, ln.Addr(), app.log)
	hs, errc := serving.Operator.Serve(ln, srv.Handler())
	fmt.Fprintf(env.Stdout, "Patchbay is running at http://%s/?token=%s\n", ln.Addr().String(), srv.Token())
	fmt.Fprintln(env.Stdout, "Press Ctrl+C to stop.")
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fail(env, fmt.Errorf("serve: %w", err))
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(shutdown)
	return ExitOK
}

func fail(env Env, err error) int {
	fmt.Fprintf(env.Stderr, "patchbay: %s\n", domain.Public(err).Message)
	if domain.ErrorCode(err) == domain.EInternal {
		fmt.Fprintf(env.Stderr, "detail: %v\n", err)
	}
	return ExitAttention
}

// app is the wired backend of one process.
type app struct {
	svc     *service.Service
	store   *store.Store
	fake    *fakes.Server
	fakeURL string
	log     *slog.Logger
	logFile *os.File
	tempDir string
	trace   *startTrace
	// notifier shows desktop notifications and hears clicks on them.
	notifier *desktop.Notifier
	// retention is what scheduleSweeps prunes to when start did not.
	retention time.Duration
}

func (a *app) close() {
	if a.notifier != nil {
		_ = a.notifier.Close()
	}
	if a.fake != nil {
		_ = a.fake.Close()
	}
	if a.store != nil {
		if err := a.store.Close(); err != nil {
			a.log.Error("closing the database", "err", err)
		} else {
			a.log.Info("stopped: database closed")
		}
	}
	if a.logFile != nil {
		_ = a.logFile.Close()
	}
	if a.tempDir != "" {
		_ = os.RemoveAll(a.tempDir)
	}
}

// start opens the data directory, database and secret store and builds the
// service.
func start(ctx context.Context, c common, env Env) (*app, error) {
	level := slog.LevelInfo
	if c.verbose {
		level = slog.LevelDebug
	}
	stderrLevel := level
	if c.quiet {
		stderrLevel = slog.LevelError
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: stderrLevel}))
	slog.SetDefault(log)
	a := &app{log: log, trace: newStartTrace(env.Started, domain.SystemClock)}
	if c.pruneLater {
		a.retention = c.retention
	}
	a.trace.log = log
	a.trace.mark("process start to logging")
	dir, err := dataDir(c)
	if err != nil {
		return nil, err
	}
	if c.demo && c.dataDir == "" && os.Getenv("PATCHBAY_DATA_DIR") == "" {
		if dir, err = os.MkdirTemp("", "patchbay-demo-"); err != nil {
			return nil, fmt.Errorf("create demo data directory: %w", err)
		}
		a.tempDir = dir
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, domain.Errorf(domain.EInvalid, "Cannot create the data directory %s (%v). Choose another with --data-dir.", dir, err)
	}
	// Everything logged also goes to patchbay.log in the data directory,
	// where the error view tells the user to look (seed 003).
	logPath := filepath.Join(dir, LogFileName)
	if f, err := openLogFile(logPath); err != nil {
		log.Warn("no log file: logging to stderr only", "path", logPath, "err", err)
		logPath = ""
	} else {
		a.logFile = f
		log = slog.New(fanout{slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: stderrLevel}), slog.NewTextHandler(f, &slog.HandlerOptions{Level: level})})
		slog.SetDefault(log)
		a.log = log
	}
	info := domain.AppInfo{Version: Version, DataDir: dir, LogFile: logPath, Demo: c.demo}
	var sec secrets.Store
	if c.demo {
		a.fake = fakes.New()
		base, err := a.fake.Start(os.Getenv("PATCHBAY_DEMO_FAKE_ADDR"))
		if err != nil {
			a.close()
			return nil, err
		}
		a.fakeURL = base
		info.DemoHints = &domain.DemoHints{
			GenericValidationURL: base + fakes.GenericValidate, GenericHeaderName: fakes.GenericHeader,
			GenericGoodKey: fakes.GenericGoodKey, GenericBadKey: fakes.GenericBadKey, FakeBaseURL: base,
			OAuthAuthorizeURL: base + "/oauth/authorize", OAuthTokenURL: base + "/oauth/token", OAuthUserinfoURL: base + "/oauth/userinfo",
			OAuthClientID: fakes.OAuthClientID, OAuthClientSecret: fakes.OAuthClientSecret,
			OAuth1ConsumerKey: fakes.OAuth1ConsumerKey, OAuth1PrivateKey: fakes.OAuth1PrivateKeyPEM(),
		}
		sec = secrets.NewMemory()
		log.Info("demo mode: fake providers running", "url", base, "data_dir", dir)
	} else {
		sec = secrets.Open(ctx, "patchbay", filepath.Join(dir, "secrets.json"), c.insecureFile, 5*time.Second)
		if w := sec.Warning(); w != "" {
			log.Warn(w)
		}
	}
	a.trace.mark("secret store")
	repairPerms(dir, log) // before the store opens: the secrets file and an existing database
	st, err := store.Open(filepath.Join(dir, "patchbay.db"))
	if err != nil {
		a.close()
		return nil, err
	}
	a.store = st
	repairPerms(dir, log) // the database, WAL and SHM SQLite just created
	a.trace.mark("database open and migrated")
	cat, err := providers.Load()
	if err != nil {
		a.close()
		return nil, err
	}
	a.trace.mark("provider catalogue")
	if c.demo {
		cat = cat.AllSelfHosted().WithCloudAt(a.fakeURL)
	}
	var auto service.Autostart
	if a.tempDir == "" {
		auto = autostart(dir)
	}
	a.notifier = desktop.NewNotifier("Patchbay", "")
	opts := service.Options{Autostart: auto, Store: st, Secrets: sec, Catalogue: cat, Info: info, Log: log, LockDir: dir,
		Desktop: a.notifier, Now: domain.SystemClock, Actor: c.actor}
	if c.demo {
		// The demo's run against the GitLab outage keeps retrying (running)
		// for the whole session instead of failing after a minute.
		opts.StepRetryBudget = demoStepRetryBudget
	}
	a.svc = service.New(opts)
	if err := a.svc.EnsureDefaultWorkspace(ctx); err != nil {
		a.close()
		return nil, err
	}
	a.trace.mark("service and default workspace")
	if c.retention > 0 && !c.pruneLater {
		pruneHistory(ctx, a, c.retention)
		a.trace.mark("prune history")
	}
	if c.demo && !c.demoEmpty {
		conns, err := a.svc.ListConnections(ctx)
		if err == nil && len(conns) == 0 {
			err = seedDemo(ctx, a.svc, a.fake, a.fakeURL)
			if err == nil {
				err = seedDemoExtras(ctx, a.svc, st, a.fakeURL)
			}
		}
		if err == nil && c.demoBulk > 0 {
			err = seedBulk(ctx, a.svc, st, c.demoBulk)
		}
		if err != nil {
			a.close()
			return nil, err
		}
		a.trace.mark("demo seed")
	}
	return a, nil
}

// LogFileName is the log file Patchbay writes in its data directory.
const LogFileName = "patchbay.log"

// maxLogBytes is the size past which the log is moved to patchbay.log.1 at
// start, so the file never grows without bound.
const maxLogBytes = 10 << 20

// openLogFile opens the log for appending (0600: it names connections and
// accounts, never a secret), keeping one previous file when it grew large.
func openLogFile(path string) (*os.File, error) {
	if st, err := os.Stat(path); err == nil && st.Size() > maxLogBytes {
		if err := os.Rename(path, path+".1"); err != nil {
			return nil, fmt.Errorf("rotate log: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	return f, nil
}

// autostart is the Start at login entry for this binary and data directory
// (nil when the program's path is unknown).
func autostart(dir string) service.Autostart {
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	auto, aerr := desktop.AutostartDir()
	if err != nil || aerr != nil {
		return nil
	}
	a := desktop.Autostart{Dir: auto, Exec: exe}
	// At login neither --data-dir nor PATCHBAY_DATA_DIR is set: name any
	// directory but the OS default.
	if base, err := os.UserConfigDir(); err != nil || filepath.Join(base, "patchbay") != dir {
		a.Args = []string{"--data-dir", dir}
	}
	return a
}

// dataDir resolves the data directory: --data-dir, then PATCHBAY_DATA_DIR,
// then the OS convention.
func dataDir(c common) (string, error) {
	if c.dataDir != "" {
		return filepath.Abs(c.dataDir)
	}
	if d := os.Getenv("PATCHBAY_DATA_DIR"); d != "" {
		return filepath.Abs(d)
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", domain.Errorf(domain.EInvalid, "Cannot find your configuration directory (%v). Pass --data-dir.", err)
	}
	return filepath.Join(base, "patchbay"), nil
}

// fanout sends each record to several handlers (stderr at one level, the
// log file at another).
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range f {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	var first error
	for _, h := range f {
		if h.Enabled(ctx, r.Level) {
			if err := h.Handle(ctx, r.Clone()); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

func (f fanout) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(attrs)
	}
	return out
}

func (f fanout) WithGroup(name string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}
