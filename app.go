package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/health"
	"patchbay/backend/providers"
	"patchbay/backend/service"
)

// App is the struct bound to the Svelte UI through Wails. Its exported
// methods are the UI's API; each only delegates to the service layer, so the
// HTTP transport (backend/httpapi) serves exactly the same operations.
type App struct {
	backend backend
	rt      windowRuntime
	// startWait bounds how long a bound method waits for the backend,
	// which starts beside the window (cli.Backend).
	startWait time.Duration
	// wctx is the Wails context, set once by startup. Bound methods, a
	// second launch and a click on a desktop notification read it from
	// other goroutines, possibly before startup ran.
	wctx atomic.Pointer[context.Context]
	// stop ends the event forwarding startup began.
	stop atomic.Pointer[func()]
	// quitting is set by Quit and signals: closing then ends the app even
	// when Settings keeps it running in the background (window.go).
	quitting atomic.Bool
	// closing is set by the one close beforeClose lets through.
	closing atomic.Bool
}

// backend is the service once it has started beside the window
// (cli.Backend).
type backend interface {
	// Ready is closed once the backend started, or failed to.
	Ready() <-chan struct{}
	// Service waits (bounded by ctx) for the started service, or returns
	// why there is none.
	Service(ctx context.Context) (*service.Service, error)
}

// defaultStartWait is how long a bound method waits for the backend: far
// beyond a normal start (tens of milliseconds), within the secret store
// probe's and a large database's worst case.
const defaultStartWait = 2 * time.Minute

// NewApp returns the bound App for the backend b.
func NewApp(b backend) *App {
	return &App{backend: b, rt: wailsRuntime{}, startWait: defaultStartWait}
}

// ctx is the Wails context once startup ran, a background context before.
func (a *App) ctx() context.Context {
	if c := a.wctx.Load(); c != nil {
		return *c
	}
	return context.Background()
}

// window is the Wails context, or false before startup ran (nothing to
// show or focus yet: the window is still opening).
func (a *App) window() (context.Context, bool) {
	if c := a.wctx.Load(); c != nil {
		return *c, true
	}
	return nil, false
}

// service waits for the backend (at most startWait) and returns it with the
// context for a bound method's call.
func (a *App) service() (*service.Service, context.Context, error) {
	ctx := a.ctx()
	wait, cancel := context.WithTimeout(ctx, a.startWait)
	defer cancel()
	svc, err := a.backend.Service(wait)
	return svc, ctx, err
}

// started returns the service if the backend has started, without waiting.
func (a *App) started() (*service.Service, bool) {
	select {
	case <-a.backend.Ready():
		svc, err := a.backend.Service(context.Background())
		return svc, err == nil
	default:
		return nil, false
	}
}

// startup keeps the Wails context and, once the backend has started,
// forwards service events to the window as runtime events; a backend that
// cannot start closes the window (cli prints why).
func (a *App) startup(ctx context.Context) {
	a.wctx.Store(&ctx)
	a.rt.EventsOn(ctx, quitEvent, func(...any) { a.quit() })
	go func() {
		select {
		case <-ctx.Done():
			return
		case <-a.backend.Ready():
		}
		svc, err := a.backend.Service(ctx)
		if err != nil {
			if !errors.Is(err, context.Canceled) { // not SIGINT or SIGTERM while starting
				slog.Error("Patchbay could not start; closing the window", "err", err)
			}
			a.quit()
			return
		}
		ch, stop := svc.Bus().Subscribe()
		a.stop.Store(&stop)
		go func() {
			for ev := range ch {
				a.rt.EventsEmit(ctx, ev.Topic, ev.Payload)
			}
		}()
		a.followClicks(ctx, svc)
	}()
}

func (a *App) shutdown(context.Context) {
	if stop := a.stop.Swap(nil); stop != nil {
		(*stop)()
	}
}

// uiError carries a *domain.Error to the frontend as JSON: Wails rejects the
// call's promise with Error(), which the Wails transport parses.
type uiError struct{ body string }

func (e uiError) Error() string { return e.body }

func toUI(err error) error {
	if err == nil {
		return nil
	}
	b, _ := json.Marshal(domain.Public(err))
	return uiError{string(b)}
}

// The bound methods call the service's method m (a method expression) with
// the window's context once the backend has started: doN with N arguments,
// doErrN for methods that return only an error.

func do0[R any](a *App, m func(*service.Service, context.Context) (R, error)) (v R, err error) {
	svc, ctx, err := a.service()
	if err == nil {
		v, err = m(svc, ctx)
	}
	return v, toUI(err)
}

// do1 and do2 repeat do0's body rather than calling it with a closure:
// Go writes a copy of each per argument and result shape (52 and 32 here),
// and the closure's copies were about 50 KB of the desktop binary, which
// must stay within 2x the bare Wails template (issue 18).
func do1[A, R any](a *App, m func(*service.Service, context.Context, A) (R, error), x A) (v R, err error) {
	svc, ctx, err := a.service()
	if err == nil {
		v, err = m(svc, ctx, x)
	}
	return v, toUI(err)
}

func do2[A, B, R any](a *App, m func(*service.Service, context.Context, A, B) (R, error), x A, y B) (v R, err error) {
	svc, ctx, err := a.service()
	if err == nil {
		v, err = m(svc, ctx, x, y)
	}
	return v, toUI(err)
}

func doErr0(a *App, m func(*service.Service, context.Context) error) error {
	_, err := do0(a, func(s *service.Service, ctx context.Context) (struct{}, error) { return struct{}{}, m(s, ctx) })
	return err
}

func doErr1[A any](a *App, m func(*service.Service, context.Context, A) error, x A) error {
	return doErr0(a, func(s *service.Service, ctx context.Context) error { return m(s, ctx, x) })
}

// GetAppInfo returns version, data directory and secret backend.
func (a *App) GetAppInfo() (domain.AppInfo, error) { return do0(a, (*service.Service).GetAppInfo) }

// ListProviders returns the provider catalogue.
func (a *App) ListProviders() ([]providers.Provider, error) {
	return do0(a, (*service.Service).ListProviders)
}

// ListWorkspaces returns all workspaces.
func (a *App) ListWorkspaces() ([]domain.Workspace, error) {
	return do0(a, (*service.Service).ListWorkspaces)
}

// CreateWorkspace creates a workspace.
func (a *App) CreateWorkspace(d domain.WorkspaceDraft) (domain.Workspace, error) {
	return do1(a, (*service.Service).CreateWorkspace, d)
}

// RenameWorkspace changes a workspace's name (its slug stays).
func (a *App) RenameWorkspace(id, name string) (domain.Workspace, error) {
	return do2(a, (*service.Service).RenameWorkspace, id, name)
}

// ListConnections returns every connection's row of the list, the JSON
// array of domain.ConnectionSummary (never a secret; GetConnection has the
// details).
func (a *App) ListConnections() (json.RawMessage, error) {
	return do0(a, (*service.Service).ListConnectionSummaries)
}

// GetConnection returns one connection.
func (a *App) GetConnection(id string) (domain.Connection, error) {
	return do1(a, (*service.Service).GetConnection, id)
}

// ValidateDraft runs Validate Connection on an unsaved draft.
func (a *App) ValidateDraft(d domain.ConnectionDraft) (domain.DraftCheck, error) {
	return do1(a, (*service.Service).ValidateDraft, d)
}

// CreateConnection validates and saves a new integration.
func (a *App) CreateConnection(d domain.ConnectionDraft) (domain.Connection, error) {
	return do1(a, (*service.Service).CreateConnection, d)
}

// RenameConnection changes an integration's label.
func (a *App) RenameConnection(id, label string) (domain.Connection, error) {
	return do2(a, (*service.Service).RenameConnection, id, label)
}

// DeleteConnection removes an integration and its secret, revoking an
// OAuth token at the provider first; the message says when that failed.
func (a *App) DeleteConnection(id string) (string, error) {
	return do1(a, (*service.Service).DeleteConnection, id)
}

// DisconnectConnection revokes an OAuth integration's tokens at the
// provider and keeps it as revoked until it is reconnected or deleted.
func (a *App) DisconnectConnection(id string) (domain.Connection, error) {
	return do1(a, (*service.Service).DisconnectConnection, id)
}

// CheckConnection validates a stored integration now.
func (a *App) CheckConnection(id string) (domain.Connection, error) {
	return do1(a, (*service.Service).CheckConnection, id)
}

// ReauthenticateConnection replaces an integration's secret once the new one
// validates; a failed attempt keeps the old one.
func (a *App) ReauthenticateConnection(id string, d domain.ReauthDraft) (domain.ReauthResult, error) {
	return do2(a, (*service.Service).ReauthenticateConnection, id, d)
}

// UpdateConnectionWorkspaces sets which workspaces may use an integration.
func (a *App) UpdateConnectionWorkspaces(id string, workspaceIDs []string) (domain.Connection, error) {
	return do2(a, (*service.Service).UpdateConnectionWorkspaces, id, workspaceIDs)
}

// ListChecks returns an integration's most recent checks, newest first.
func (a *App) ListChecks(id string, limit int) ([]domain.CheckRecord, error) {
	return do2(a, (*service.Service).ListChecks, id, limit)
}

// StartConsent begins connecting an integration by OAuth consent and opens
// the provider's consent page in the system browser.
func (a *App) StartConsent(d domain.ConnectionDraft) (domain.ConsentStatus, error) {
	st, err := do1(a, (*service.Service).StartConsent, d)
	if err == nil {
		a.openInBrowser(st.AuthURL)
	}
	return st, err
}

// StartOAuth1 gets a request token from Jira ("Generate URL") and opens the
// Authorization URL in the system browser.
func (a *App) StartOAuth1(in service.OAuth1Start) (service.OAuth1Flow, error) {
	f, err := do1(a, (*service.Service).StartOAuth1, in)
	if err == nil {
		a.openInBrowser(f.AuthorizeURL)
	}
	return f, err
}

// VerifyOAuth1 exchanges the pasted verification code and checks the token.
func (a *App) VerifyOAuth1(id, code string) (service.OAuth1Flow, error) {
	return do2(a, (*service.Service).VerifyOAuth1, id, code)
}

// CompleteOAuth1 saves a verified OAuth 1.0a authorization.
func (a *App) CompleteOAuth1(id string) (domain.Connection, error) {
	return do1(a, (*service.Service).CompleteOAuth1, id)
}

// ReauthorizeConnection reconnects an OAuth integration by consent, with the
// existing or a new OAuth client, and opens the consent page.
func (a *App) ReauthorizeConnection(id string, d domain.ReauthorizeDraft) (domain.ConsentStatus, error) {
	st, err := do2(a, (*service.Service).ReauthorizeConnection, id, d)
	if err == nil {
		a.openInBrowser(st.AuthURL)
	}
	return st, err
}

// GetConsent returns a consent's status.
func (a *App) GetConsent(id string) (domain.ConsentStatus, error) {
	return do1(a, (*service.Service).GetConsent, id)
}

// CancelConsent stops a pending consent.
func (a *App) CancelConsent(id string) error { return doErr1(a, (*service.Service).CancelConsent, id) }

// CompleteConsent is Validate Connection after a confirmed reauthorization:
// it validates the granted token and only then makes it the credential.
func (a *App) CompleteConsent(id string) (domain.Connection, error) {
	return do1(a, (*service.Service).CompleteConsent, id)
}

// RefreshCredential renews an OAuth integration's access token now.
func (a *App) RefreshCredential(id string) (domain.Connection, error) {
	return do1(a, (*service.Service).RefreshCredential, id)
}

// GetGitSettings returns what an integration serves to git (patchbay git-credential).
func (a *App) GetGitSettings(id string) (domain.GitSettings, error) {
	return do1(a, (*service.Service).GetGitSettings, id)
}

// SetGitSettings sets the git host, path prefix and username of an integration.
func (a *App) SetGitSettings(id string, in domain.GitSettings) (domain.GitSettings, error) {
	return do2(a, (*service.Service).SetGitSettings, id, in)
}

// ListAudit returns the audit log (credential events), newest first.
func (a *App) ListAudit(f domain.AuditFilter) ([]domain.AuditEvent, error) {
	return do1(a, (*service.Service).ListAudit, f)
}

// CreateAlertRoute adds a webhook or Slack alert route.
func (a *App) CreateAlertRoute(d domain.AlertRouteDraft) (domain.AlertRoute, error) {
	return do1(a, (*service.Service).CreateAlertRoute, d)
}

// ListAlertRoutes returns the alert routes.
func (a *App) ListAlertRoutes() ([]domain.AlertRoute, error) {
	return do0(a, (*service.Service).ListAlertRoutes)
}

// DeleteAlertRoute removes an alert route.
func (a *App) DeleteAlertRoute(id string) error {
	return doErr1(a, (*service.Service).DeleteAlertRoute, id)
}

// TestAlertRoute sends a test message to a route now.
func (a *App) TestAlertRoute(id string) (domain.AlertDelivery, error) {
	return do1(a, (*service.Service).TestAlertRoute, id)
}

// ListAlertDeliveries returns the recent alert deliveries, newest first.
func (a *App) ListAlertDeliveries(limit int) ([]domain.AlertDelivery, error) {
	return do1(a, (*service.Service).ListAlertDeliveries, limit)
}

// RetryAlertDelivery sends a failed alert delivery again now.
func (a *App) RetryAlertDelivery(id string) (domain.AlertDelivery, error) {
	return do1(a, (*service.Service).RetryAlertDelivery, id)
}

// ListNotifications returns the bell's notifications, newest first.
func (a *App) ListNotifications(limit int) ([]domain.Notification, error) {
	return do1(a, (*service.Service).ListNotifications, limit)
}

// MarkNotificationRead marks a notification read.
func (a *App) MarkNotificationRead(id string) error {
	return doErr1(a, (*service.Service).MarkNotificationRead, id)
}

// RequestCredentials asks a client to connect a new integration by consent
// and returns the link to send them.
func (a *App) RequestCredentials(in domain.RequestCredentialsDraft) (domain.ReconnectRequest, error) {
	return do1(a, (*service.Service).RequestCredentials, in)
}

// ShowDesktopNotification shows a new critical notification as an OS
// notification (the window calls it while in the background).
func (a *App) ShowDesktopNotification(id string) (bool, error) {
	return do1(a, (*service.Service).ShowDesktopNotification, id)
}

// SetWorkspaceSweep sets how often a workspace's connections are checked
// (minutes; 0 only "Check all now"; nil the app's default).
func (a *App) SetWorkspaceSweep(id string, minutes *int) (domain.Workspace, error) {
	return do2(a, (*service.Service).SetWorkspaceSweep, id, minutes)
}

// GetSettings returns the user's settings.
func (a *App) GetSettings() (domain.Settings, error) { return do0(a, (*service.Service).GetSettings) }

// UpdateSettings saves the user's settings.
func (a *App) UpdateSettings(in domain.Settings) (domain.Settings, error) {
	return do1(a, (*service.Service).UpdateSettings, in)
}

// GetBanner returns the reauthorization banner.
func (a *App) GetBanner() (domain.Banner, error) { return do0(a, (*service.Service).GetBanner) }

// StartSweep starts "Check all now".
func (a *App) StartSweep() (health.Progress, error) { return do0(a, (*service.Service).StartSweep) }

// CancelSweep stops the running sweep.
func (a *App) CancelSweep() error { return doErr0(a, (*service.Service).CancelSweep) }

// GetSweep returns the running or last sweep's progress.
func (a *App) GetSweep() (health.Progress, error) { return do0(a, (*service.Service).GetSweep) }

// ExportReport renders the health report (html, json or csv).
func (a *App) ExportReport(format string) (service.Export, error) {
	return do1(a, (*service.Service).ExportReport, format)
}

// GetFleetHealth returns the Health page's charts: uptime heat map, status
// counts per day, latency percentiles per provider, PAT pool budgets.
func (a *App) GetFleetHealth() (domain.FleetHealth, error) {
	return do0(a, (*service.Service).GetFleetHealth)
}

// ListChecksOn returns an integration's checks of one UTC day (YYYY-MM-DD).
func (a *App) ListChecksOn(id, day string) ([]domain.CheckRecord, error) {
	return do2(a, (*service.Service).ListChecksOn, id, day)
}

// GetHealthOverview summarises integration health for the Health page.
func (a *App) GetHealthOverview() (service.Overview, error) {
	return do0(a, (*service.Service).GetHealthOverview)
}

// CreateWorkflow saves a new workflow.
func (a *App) CreateWorkflow(d service.WorkflowDraft) (domain.Workflow, error) {
	return do1(a, (*service.Service).CreateWorkflow, d)
}

// ListWorkflows returns every workflow.
func (a *App) ListWorkflows() ([]domain.Workflow, error) {
	return do0(a, (*service.Service).ListWorkflows)
}

// PublishWorkflow publishes or unpublishes a workflow.
func (a *App) PublishWorkflow(id string, publish bool) (domain.Workflow, error) {
	return do2(a, (*service.Service).PublishWorkflow, id, publish)
}

// RunWorkflow starts a run now.
func (a *App) RunWorkflow(id string) (domain.Run, error) {
	return do1(a, (*service.Service).RunWorkflow, id)
}

// ListRuns returns runs for a preset chip.
func (a *App) ListRuns(chip string) ([]domain.Run, error) {
	return do1(a, (*service.Service).ListRuns, chip)
}

// GetRun returns one run.
func (a *App) GetRun(id string) (domain.Run, error) { return do1(a, (*service.Service).GetRun, id) }

// PauseRun pauses a run.
func (a *App) PauseRun(id string) (domain.Run, error) { return do1(a, (*service.Service).PauseRun, id) }

// ResumeRun resumes a paused run.
func (a *App) ResumeRun(id string) (domain.Run, error) {
	return do1(a, (*service.Service).ResumeRun, id)
}

// CancelRun cancels a run.
func (a *App) CancelRun(id string) (domain.Run, error) {
	return do1(a, (*service.Service).CancelRun, id)
}

// ReplayRun replays a terminal run.
func (a *App) ReplayRun(id string) (domain.Run, error) {
	return do1(a, (*service.Service).ReplayRun, id)
}

// ResyncConnection replays the failed runs that used a connection.
func (a *App) ResyncConnection(id string) (int, error) {
	return do1(a, (*service.Service).ResyncConnection, id)
}

// CreateClient adds a client.
func (a *App) CreateClient(name string) (domain.Client, error) {
	return do1(a, (*service.Service).CreateClient, name)
}

// RenameClient renames a client.
func (a *App) RenameClient(id, name string) (domain.Client, error) {
	return do2(a, (*service.Service).RenameClient, id, name)
}

// ArchiveClient archives or restores a client.
func (a *App) ArchiveClient(id string, archived bool) (domain.Client, error) {
	return do2(a, (*service.Service).ArchiveClient, id, archived)
}

// ListClients returns every client.
func (a *App) ListClients() ([]domain.Client, error) { return do0(a, (*service.Service).ListClients) }

// SetConnectionOwner hands a connection to a client ("" for the team).
func (a *App) SetConnectionOwner(connectionID, clientID string) (domain.Connection, error) {
	return do2(a, (*service.Service).SetConnectionOwner, connectionID, clientID)
}

// CreateReconnectRequest creates a signed single-use reconnection link.
func (a *App) CreateReconnectRequest(connectionID, baseURL string) (domain.ReconnectRequest, error) {
	return do2(a, (*service.Service).CreateReconnectRequest, connectionID, baseURL)
}

// RevokeRequest revokes a reconnection link and ends the portal sessions it
// opened.
func (a *App) RevokeRequest(id string) error { return doErr1(a, (*service.Service).RevokeRequest, id) }

// ListRequests returns a client's reconnection requests ("" for all).
func (a *App) ListRequests(clientID string) ([]domain.ReconnectRequest, error) {
	return do1(a, (*service.Service).ListRequests, clientID)
}

// ListPortalSessions lists a client's live portal sessions ("" for all).
func (a *App) ListPortalSessions(clientID string) ([]domain.PortalSession, error) {
	return do1(a, (*service.Service).ListPortalSessions, clientID)
}

// EndPortalSessions ends every portal session of a client.
func (a *App) EndPortalSessions(clientID string) (int, error) {
	return do1(a, (*service.Service).EndPortalSessions, clientID)
}

// WorkspaceImpact lists the workflows a workspace change would disconnect.
func (a *App) WorkspaceImpact(id string, workspaceIDs []string) ([]domain.Workflow, error) {
	return do2(a, (*service.Service).WorkspaceImpact, id, workspaceIDs)
}

// UpdateWorkflow edits a workflow.
func (a *App) UpdateWorkflow(id string, d service.WorkflowDraft) (domain.Workflow, error) {
	return do2(a, (*service.Service).UpdateWorkflow, id, d)
}

// GetUptime returns an integration's uptime over 24 h, 7 d and 30 d.
func (a *App) GetUptime(id string) (service.UptimeWindows, error) {
	return do1(a, (*service.Service).GetUptime, id)
}

// browserURL reports whether raw may be opened in the system browser: only
// http and https (an authorize URL from a discovery document could name any
// scheme, and the system opens other schemes with other programs).
func browserURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// openInBrowser opens raw in the system browser if browserURL allows it.
func (a *App) openInBrowser(raw string) {
	if !browserURL(raw) {
		slog.Warn("refused to open a non-web URL in the browser", "scheme", strings.SplitN(raw, ":", 2)[0])
		return
	}
	if ctx, ok := a.window(); ok {
		a.rt.BrowserOpenURL(ctx, raw)
	}
}
