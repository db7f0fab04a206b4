// Package service is Patchbay's application layer: the methods the UI calls,
// the same ones whether they arrive through Wails bindings (app.go) or the
// HTTP transport (httpapi). Each method validates input, talks to the store,
// the secret store and the providers, and publishes change events.
package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/health"
	"patchbay/backend/notify"
	"patchbay/backend/oauth"
	"patchbay/backend/providers"
	"patchbay/backend/runs"
	"patchbay/backend/secrets"
	"patchbay/backend/store"
)

// Service implements every UI-facing operation. It is split by aggregate:
// the parts embedded here (Connections, Workflows, Settings, Sweeps,
// Clients, Consents) own their operations and declare the narrow store they
// use and what they use of the other parts. What stays on Service itself is
// what spans them: its lifecycle (Go, Wait), workspaces, the bell, the
// audit log, alert routes, the credential broker and git credentials, run
// steps and triggers, exports and fleet health.
//
// The parts are embedded by value, not as pointers: an embedded pointer
// puts every exported method of the part in the method set of the Service
// value too, and Go writes out a wrapper for each, which the linker keeps
// (the Wails binding calls methods by reflection): 45 KB of the desktop
// binary, which must stay within 2x the bare Wails template (issue 18).
type Service struct {
	Connections
	Workflows
	Settings
	Sweeps
	Clients
	Consents

	store     *store.Store
	secrets   secrets.Store
	catalogue *providers.Catalogue
	validator *providers.Validator
	bus       *events.Bus
	info      domain.AppInfo
	log       *slog.Logger
	now       domain.Clock

	refresher *oauth.Refresher
	notifier  *notify.Notifier
	engine    *runs.Engine
	desktop   DesktopNotifier
	bg        sync.WaitGroup     // background goroutines (Wait)
	life      context.Context    // ends when Wait is called: work started by the service stops
	stop      context.CancelFunc // ends life
	actor     string             // the audit log's default actor (Options.Actor)
}

// Go runs fn in a background goroutine that Wait waits for.
func (s *Service) Go(fn func()) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		fn()
	}()
}

// Wait shuts the service's background work down and blocks until it has
// stopped: pending consents end (their listeners close), the sweeps and the
// trigger loop stop (cancel the context given to StartBackground first), and
// the runs executing here are interrupted (they resume at the next start).
// Call it before closing the store; the service is not used afterwards.
func (s *Service) Wait() {
	s.stop()
	s.bg.Wait()
	s.engine.Stop()
}

// Options wires a Service.
type Options struct {
	Store     *store.Store
	Secrets   secrets.Store
	Catalogue *providers.Catalogue
	Validator *providers.Validator
	Bus       *events.Bus
	Info      domain.AppInfo
	Log       *slog.Logger
	// LockDir holds cross-process locks (refreshes, live sweeps: the data directory); a
	// temporary directory when empty.
	LockDir string
	// ConsentTimeout bounds an OAuth consent (oauth.DefaultConsentTimeout if 0).
	ConsentTimeout time.Duration
	// RefreshBudget bounds a user-started "Refresh credential", retries of
	// transient token endpoint failures included (DefaultRefreshBudget if 0).
	RefreshBudget time.Duration
	// RefreshLockWait bounds how long a re-authorization, Delete or
	// Disconnect waits for a refresh of the same connection's token in
	// progress before it gives up, changing nothing (oauth.DefaultLockWait
	// if 0; shorter than a consent finish's two minutes).
	RefreshLockWait time.Duration
	// StepRetryBudget bounds how long a run's step retries a transient
	// provider failure before the run fails (the engine's 1 minute if 0).
	// --demo raises it so its run against the GitLab outage stays running,
	// retrying, until the provider recovers.
	StepRetryBudget time.Duration
	// Sweep tunes "Check all now" and scheduled sweeps.
	Sweep health.Options
	// Now is the clock (domain.SystemClock if nil); tests move it. The
	// service hands it to every part that needs the time (validator, sweeps,
	// notifier, refresher, run engine, portal), so none reads another clock.
	Now domain.Clock
	// Desktop shows OS notifications (none: ShowDesktopNotification says so).
	Desktop DesktopNotifier
	// Actor is who acts when a call's context names no one (WithActor):
	// "window" (the default) or "serve"; the audit log records it.
	Actor string
	// Autostart manages Start at login (none: Settings says it is not
	// available).
	Autostart Autostart
}

// New returns a Service. Missing optional parts get defaults.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = domain.SystemClock
	}
	if o.Validator == nil {
		o.Validator = providers.NewValidator()
	}
	if o.Validator.Now == nil {
		v := *o.Validator // the caller's validator is left as it was
		v.Now = o.Now
		o.Validator = &v
	}
	if o.Sweep.Now == nil {
		o.Sweep.Now = o.Now
	}
	if o.Bus == nil {
		o.Bus = events.New()
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	o.Info.SecretBackend = o.Secrets.Backend()
	o.Info.SecretWarning = o.Secrets.Warning()
	if o.LockDir == "" {
		o.LockDir = os.TempDir()
	}
	if o.RefreshBudget == 0 {
		o.RefreshBudget = DefaultRefreshBudget
	}
	if o.Actor == "" {
		o.Actor = "window"
	}
	s := &Service{
		store: o.Store, secrets: o.Secrets, catalogue: o.Catalogue, validator: o.Validator,
		bus: o.Bus, info: o.Info, log: o.Log, now: o.Now, desktop: o.Desktop, actor: o.Actor,
		refresher: &oauth.Refresher{Store: oauth.SecretTokens{Secrets: o.Secrets}, LockDir: o.LockDir, LockWait: o.RefreshLockWait, Log: o.Log, Now: o.Now},
		notifier:  &notify.Notifier{Store: o.Store, Now: o.Now},
	}
	s.life, s.stop = context.WithCancel(context.Background())
	s.Settings = Settings{store: o.Store, bus: o.Bus, log: o.Log, autostart: o.Autostart, saved: make(chan struct{}, 1)}
	s.engine = &runs.Engine{Store: o.Store, Exec: s, Bus: o.Bus, Log: o.Log, Now: o.Now, MaxElapsed: o.StepRetryBudget}
	s.Connections = Connections{store: o.Store, secrets: o.Secrets, catalogue: o.Catalogue, validator: o.Validator, refresher: s.refresher,
		notifier: s.notifier, engine: s.engine, bus: o.Bus, log: o.Log, now: o.Now, core: s}
	s.Workflows = Workflows{store: o.Store, engine: s.engine, catalogue: o.Catalogue, now: o.Now}
	s.Sweeps = Sweeps{store: o.Store, checker: s, catalogue: o.Catalogue, bus: o.Bus, log: o.Log, now: o.Now, options: o.Sweep,
		lockDir: o.LockDir, started: o.Now(), life: s.life, spawn: s.Go}
	s.Consents = Consents{store: o.Store, validator: o.Validator, refresher: s.refresher, bus: o.Bus, log: o.Log, now: o.Now,
		timeout: o.ConsentTimeout, refreshBudget: o.RefreshBudget, life: s.life, spawn: s.Go, core: s}
	s.Clients = Clients{store: o.Store, secrets: o.Secrets, catalogue: o.Catalogue, bus: o.Bus, log: o.Log, now: o.Now, core: s}
	s.refresher.Observe = s.auditRefresh
	return s
}

// Clock returns the service's clock (the portal's sessions follow it).
func (s *Service) Clock() domain.Clock { return s.now }

// Bus returns the event bus the service publishes on.
func (s *Service) Bus() *events.Bus { return s.bus }

// GetAppInfo returns version, data directory and secret backend.
func (s *Service) GetAppInfo(ctx context.Context) (domain.AppInfo, error) {
	return s.info, nil
}

// ListProviders returns the provider catalogue for the Add integration form.
func (s *Service) ListProviders(ctx context.Context) ([]providers.Provider, error) {
	return s.catalogue.Providers, nil
}

// EnsureDefaultWorkspace creates a "Default" workspace when there is none, so
// a new user can add an integration straight away.
func (s *Service) EnsureDefaultWorkspace(ctx context.Context) error {
	ws, err := s.store.ListWorkspaces(ctx)
	if err != nil {
		return fmt.Errorf("ensure default workspace: %w", err)
	}
	if len(ws) > 0 {
		return nil
	}
	_, err = s.CreateWorkspace(ctx, domain.WorkspaceDraft{Name: "Default"})
	return err
}

// ListWorkspaces returns all workspaces.
func (s *Service) ListWorkspaces(ctx context.Context) ([]domain.Workspace, error) {
	return s.store.ListWorkspaces(ctx)
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// CreateWorkspace creates a workspace with a URL slug derived from its name.
func (s *Service) CreateWorkspace(ctx context.Context, d domain.WorkspaceDraft) (domain.Workspace, error) {
	name, slug, err := workspaceName(d.Name)
	if err != nil {
		return domain.Workspace{}, err
	}
	if err := s.nameFree(ctx, "", name); err != nil {
		return domain.Workspace{}, err
	}
	w := domain.Workspace{ID: newID("ws"), Slug: slug, Name: name, CreatedAt: s.now().UTC()}
	if err := s.store.CreateWorkspace(ctx, w); err != nil {
		return domain.Workspace{}, err
	}
	return w, nil
}

// workspaceName checks a workspace name and derives its slug.
func workspaceName(in string) (name, slug string, err error) {
	name = strings.TrimSpace(in)
	if name == "" {
		return "", "", domain.FieldError("name", "Enter a workspace name.")
	}
	if len(name) > 80 {
		return "", "", domain.FieldError("name", "Use at most 80 characters for the workspace name.")
	}
	slug = strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if slug == "" {
		return "", "", domain.FieldError("name", "Use at least one letter or digit in the workspace name.")
	}
	return name, slug, nil
}

// nameFree refuses a workspace name another workspace (not id) has, in any
// case: two workspaces of one name cannot be told apart in the UI.
func (s *Service) nameFree(ctx context.Context, id, name string) error {
	all, err := s.store.ListWorkspaces(ctx)
	if err != nil {
		return err
	}
	for _, w := range all {
		if w.ID != id && strings.EqualFold(w.Name, name) {
			return domain.FieldError("name", "A workspace with that name already exists. Choose another name.")
		}
	}
	return nil
}

// RenameWorkspace changes a workspace's name. Its slug stays, so links to
// its pages (/{slug}/connections, run links) keep working; another
// workspace's name is refused.
func (s *Service) RenameWorkspace(ctx context.Context, id, name string) (domain.Workspace, error) {
	name, _, err := workspaceName(name)
	if err != nil {
		return domain.Workspace{}, err
	}
	if err := s.nameFree(ctx, id, name); err != nil {
		return domain.Workspace{}, err
	}
	if err := s.store.RenameWorkspace(ctx, id, name); err != nil {
		return domain.Workspace{}, err
	}
	s.log.Info("workspace renamed", "workspace", id)
	return s.store.GetWorkspace(ctx, id)
}

func newID(prefix string) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + "_" + hex.EncodeToString(b[:])
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ListNotifications returns the bell's notifications, newest first.
func (s *Service) ListNotifications(ctx context.Context, limit int) ([]domain.Notification, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.store.ListNotifications(ctx, limit)
}

// MarkNotificationRead marks a notification read.
func (s *Service) MarkNotificationRead(ctx context.Context, id string) error {
	if err := s.store.MarkNotificationRead(ctx, id, s.now()); err != nil {
		return err
	}
	s.bus.Publish(events.NotificationsChanged, struct{}{})
	return nil
}

// GetBanner returns the reauthorization banner (empty text: no banner).
func (s *Service) GetBanner(ctx context.Context) (domain.Banner, error) {
	unread, err := s.store.UnreadCritical(ctx)
	if err != nil {
		return domain.Banner{}, err
	}
	return notify.Banner(unread), nil
}
