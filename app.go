package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"

	"patchbay/backend/domain"
	"patchbay/backend/health"
	"patchbay/backend/providers"
	"patchbay/backend/service"
)

// App is the struct bound to the Svelte UI through Wails. Its exported
// methods are the UI's API; each only delegates to the service layer, so the
// HTTP transport (backend/httpapi) serves exactly the same operations.
type App struct {
	svc *service.Service
	rt  windowRuntime
	// wctx is the Wails context, set once by startup. Bound methods, a
	// second launch and a click on a desktop notification read it from
	// other goroutines, possibly before startup ran.
	wctx atomic.Pointer[context.Context]
	// stop ends the event forwarding startup began.
	stop atomic.Pointer[func()]
	// quitting is set by Quit and signals: closing then ends the app even
	// when Settings keeps it running in the background (window.go).
	quitting atomic.Bool
}

// NewApp returns the bound App for svc.
func NewApp(svc *service.Service) *App {
	return &App{svc: svc, rt: wailsRuntime{}}
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

// startup keeps the Wails context and forwards service events to the window
// as runtime events.
func (a *App) startup(ctx context.Context) {
	a.wctx.Store(&ctx)
	a.windowStartup(ctx)
	ch, stop := a.svc.Bus().Subscribe()
	a.stop.Store(&stop)
	go func() {
		for ev := range ch {
			a.rt.EventsEmit(ctx, ev.Topic, ev.Payload)
		}
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

func call[T any](v T, err error) (T, error) { return v, toUI(err) }

// GetAppInfo returns version, data directory and secret backend.
func (a *App) GetAppInfo() (domain.AppInfo, error) { return call(a.svc.GetAppInfo(a.ctx())) }

// ListProviders returns the provider catalogue.
func (a *App) ListProviders() ([]providers.Provider, error) {
	return call(a.svc.ListProviders(a.ctx()))
}

// ListWorkspaces returns all workspaces.
func (a *App) ListWorkspaces() ([]domain.Workspace, error) {
	return call(a.svc.ListWorkspaces(a.ctx()))
}

// CreateWorkspace creates a workspace.
func (a *App) CreateWorkspace(d domain.WorkspaceDraft) (domain.Workspace, error) {
	return call(a.svc.CreateWorkspace(a.ctx(), d))
}

// RenameWorkspace changes a workspace's name (its slug stays).
func (a *App) RenameWorkspace(id, name string) (domain.Workspace, error) {
	return call(a.svc.RenameWorkspace(a.ctx(), id, name))
}

// ListConnections returns every connection's row of the list (never a
// secret; GetConnection has the details).
func (a *App) ListConnections() ([]domain.ConnectionSummary, error) {
	return call(a.svc.ListConnectionSummaries(a.ctx()))
}

// GetConnection returns one connection.
func (a *App) GetConnection(id string) (domain.Connection, error) {
	return call(a.svc.GetConnection(a.ctx(), id))
}

// ValidateDraft runs Validate Connection on an unsaved draft.
func (a *App) ValidateDraft(d domain.ConnectionDraft) (domain.DraftCheck, error) {
	return call(a.svc.ValidateDraft(a.ctx(), d))
}

// CreateConnection validates and saves a new integration.
func (a *App) CreateConnection(d domain.ConnectionDraft) (domain.Connection, error) {
	return call(a.svc.CreateConnection(a.ctx(), d))
}

// RenameConnection changes an integration's label.
func (a *App) RenameConnection(id, label string) (domain.Connection, error) {
	return call(a.svc.RenameConnection(a.ctx(), id, label))
}

// DeleteConnection removes an integration and its secret, revoking an
// OAuth token at the provider first; the message says when that failed.
func (a *App) DeleteConnection(id string) (string, error) {
	return call(a.svc.DeleteConnection(a.ctx(), id))
}

// DisconnectConnection revokes an OAuth integration's tokens at the
// provider and keeps it as revoked until it is reconnected or deleted.
func (a *App) DisconnectConnection(id string) (domain.Connection, error) {
	return call(a.svc.DisconnectConnection(a.ctx(), id))
}

// CheckConnection validates a stored integration now.
func (a *App) CheckConnection(id string) (domain.Connection, error) {
	return call(a.svc.CheckConnection(a.ctx(), id))
}

// ReauthenticateConnection replaces an integration's secret once the new one
// validates; a failed attempt keeps the old one.
func (a *App) ReauthenticateConnection(id string, d domain.ReauthDraft) (domain.ReauthResult, error) {
	return call(a.svc.ReauthenticateConnection(a.ctx(), id, d))
}

// UpdateConnectionWorkspaces sets which workspaces may use an integration.
func (a *App) UpdateConnectionWorkspaces(id string, workspaceIDs []string) (domain.Connection, error) {
	return call(a.svc.UpdateConnectionWorkspaces(a.ctx(), id, workspaceIDs))
}

// ListChecks returns an integration's most recent checks, newest first.
func (a *App) ListChecks(id string, limit int) ([]domain.CheckRecord, error) {
	return call(a.svc.ListChecks(a.ctx(), id, limit))
}

// StartConsent begins connecting an integration by OAuth consent and opens
// the provider's consent page in the system browser.
func (a *App) StartConsent(d domain.ConnectionDraft) (domain.ConsentStatus, error) {
	st, err := a.svc.StartConsent(a.ctx(), d)
	if err == nil {
		a.openInBrowser(st.AuthURL)
	}
	return call(st, err)
}

// StartOAuth1 gets a request token from Jira ("Generate URL") and opens the
// Authorization URL in the system browser.
func (a *App) StartOAuth1(in service.OAuth1Start) (service.OAuth1Flow, error) {
	f, err := a.svc.StartOAuth1(a.ctx(), in)
	if err == nil {
		a.openInBrowser(f.AuthorizeURL)
	}
	return call(f, err)
}

// VerifyOAuth1 exchanges the pasted verification code and checks the token.
func (a *App) VerifyOAuth1(id, code string) (service.OAuth1Flow, error) {
	return call(a.svc.VerifyOAuth1(a.ctx(), id, code))
}

// CompleteOAuth1 saves a verified OAuth 1.0a authorization.
func (a *App) CompleteOAuth1(id string) (domain.Connection, error) {
	return call(a.svc.CompleteOAuth1(a.ctx(), id))
}

// ReauthorizeConnection reconnects an OAuth integration by consent, with the
// existing or a new OAuth client, and opens the consent page.
func (a *App) ReauthorizeConnection(id string, d domain.ReauthorizeDraft) (domain.ConsentStatus, error) {
	st, err := a.svc.ReauthorizeConnection(a.ctx(), id, d)
	if err == nil {
		a.openInBrowser(st.AuthURL)
	}
	return call(st, err)
}

// GetConsent returns a consent's status.
func (a *App) GetConsent(id string) (domain.ConsentStatus, error) {
	return call(a.svc.GetConsent(a.ctx(), id))
}

// CancelConsent stops a pending consent.
func (a *App) CancelConsent(id string) error { return toUI(a.svc.CancelConsent(a.ctx(), id)) }

// CompleteConsent is Validate Connection after a confirmed reauthorization:
// it validates the granted token and only then makes it the credential.
func (a *App) CompleteConsent(id string) (domain.Connection, error) {
	return call(a.svc.CompleteConsent(a.ctx(), id))
}

// RefreshCredential renews an OAuth integration's access token now.
func (a *App) RefreshCredential(id string) (domain.Connection, error) {
	return call(a.svc.RefreshCredential(a.ctx(), id))
}

// GetGitSettings returns what an integration serves to git (patchbay git-credential).
func (a *App) GetGitSettings(id string) (domain.GitSettings, error) {
	return call(a.svc.GetGitSettings(a.ctx(), id))
}

// SetGitSettings sets the git host, path prefix and username of an integration.
func (a *App) SetGitSettings(id string, in domain.GitSettings) (domain.GitSettings, error) {
	return call(a.svc.SetGitSettings(a.ctx(), id, in))
}

// ListAudit returns the audit log (credential events), newest first.
func (a *App) ListAudit(f domain.AuditFilter) ([]domain.AuditEvent, error) {
	return call(a.svc.ListAudit(a.ctx(), f))
}

// CreateAlertRoute adds a webhook or Slack alert route.
func (a *App) CreateAlertRoute(d domain.AlertRouteDraft) (domain.AlertRoute, error) {
	return call(a.svc.CreateAlertRoute(a.ctx(), d))
}

// ListAlertRoutes returns the alert routes.
func (a *App) ListAlertRoutes() ([]domain.AlertRoute, error) {
	return call(a.svc.ListAlertRoutes(a.ctx()))
}

// DeleteAlertRoute removes an alert route.
func (a *App) DeleteAlertRoute(id string) error { return toUI(a.svc.DeleteAlertRoute(a.ctx(), id)) }

// TestAlertRoute sends a test message to a route now.
func (a *App) TestAlertRoute(id string) (domain.AlertDelivery, error) {
	return call(a.svc.TestAlertRoute(a.ctx(), id))
}

// ListAlertDeliveries returns the recent alert deliveries, newest first.
func (a *App) ListAlertDeliveries(limit int) ([]domain.AlertDelivery, error) {
	return call(a.svc.ListAlertDeliveries(a.ctx(), limit))
}

// RetryAlertDelivery sends a failed alert delivery again now.
func (a *App) RetryAlertDelivery(id string) (domain.AlertDelivery, error) {
	return call(a.svc.RetryAlertDelivery(a.ctx(), id))
}

// ListNotifications returns the bell's notifications, newest first.
func (a *App) ListNotifications(limit int) ([]domain.Notification, error) {
	return call(a.svc.ListNotifications(a.ctx(), limit))
}

// MarkNotificationRead marks a notification read.
func (a *App) MarkNotificationRead(id string) error {
	return toUI(a.svc.MarkNotificationRead(a.ctx(), id))
}

// RequestCredentials asks a client to connect a new integration by consent
// and returns the link to send them.
func (a *App) RequestCredentials(in domain.RequestCredentialsDraft) (domain.ReconnectRequest, error) {
	return call(a.svc.RequestCredentials(a.ctx(), in))
}

// ShowDesktopNotification shows a new critical notification as an OS
// notification (the window calls it while in the background).
func (a *App) ShowDesktopNotification(id string) (bool, error) {
	return call(a.svc.ShowDesktopNotification(a.ctx(), id))
}

// SetWorkspaceSweep sets how often a workspace's connections are checked
// (minutes; 0 only "Check all now"; nil the app's default).
func (a *App) SetWorkspaceSweep(id string, minutes *int) (domain.Workspace, error) {
	return call(a.svc.SetWorkspaceSweep(a.ctx(), id, minutes))
}

// GetSettings returns the user's settings.
func (a *App) GetSettings() (domain.Settings, error) { return call(a.svc.GetSettings(a.ctx())) }

// UpdateSettings saves the user's settings.
func (a *App) UpdateSettings(in domain.Settings) (domain.Settings, error) {
	return call(a.svc.UpdateSettings(a.ctx(), in))
}

// GetBanner returns the reauthorization banner.
func (a *App) GetBanner() (domain.Banner, error) { return call(a.svc.GetBanner(a.ctx())) }

// StartSweep starts "Check all now".
func (a *App) StartSweep() (health.Progress, error) { return call(a.svc.StartSweep(a.ctx())) }

// CancelSweep stops the running sweep.
func (a *App) CancelSweep() error { return toUI(a.svc.CancelSweep(a.ctx())) }

// GetSweep returns the running or last sweep's progress.
func (a *App) GetSweep() (health.Progress, error) { return call(a.svc.GetSweep(a.ctx())) }

// ExportReport renders the health report (html, json or csv).
func (a *App) ExportReport(format string) (service.Export, error) {
	return call(a.svc.ExportReport(a.ctx(), format))
}

// GetFleetHealth returns the Health page's charts: uptime heat map, status
// counts per day, latency percentiles per provider, PAT pool budgets.
func (a *App) GetFleetHealth() (domain.FleetHealth, error) {
	return call(a.svc.GetFleetHealth(a.ctx()))
}

// ListChecksOn returns an integration's checks of one UTC day (YYYY-MM-DD).
func (a *App) ListChecksOn(id, day string) ([]domain.CheckRecord, error) {
	return call(a.svc.ListChecksOn(a.ctx(), id, day))
}

// GetHealthOverview summarises integration health for the Health page.
func (a *App) GetHealthOverview() (service.Overview, error) {
	return call(a.svc.GetHealthOverview(a.ctx()))
}

// CreateWorkflow saves a new workflow.
func (a *App) CreateWorkflow(d service.WorkflowDraft) (domain.Workflow, error) {
	return call(a.svc.CreateWorkflow(a.ctx(), d))
}

// ListWorkflows returns every workflow.
func (a *App) ListWorkflows() ([]domain.Workflow, error) { return call(a.svc.ListWorkflows(a.ctx())) }

// PublishWorkflow publishes or unpublishes a workflow.
func (a *App) PublishWorkflow(id string, publish bool) (domain.Workflow, error) {
	return call(a.svc.PublishWorkflow(a.ctx(), id, publish))
}

// RunWorkflow starts a run now.
func (a *App) RunWorkflow(id string) (domain.Run, error) { return call(a.svc.RunWorkflow(a.ctx(), id)) }

// ListRuns returns runs for a preset chip.
func (a *App) ListRuns(chip string) ([]domain.Run, error) { return call(a.svc.ListRuns(a.ctx(), chip)) }

// GetRun returns one run.
func (a *App) GetRun(id string) (domain.Run, error) { return call(a.svc.GetRun(a.ctx(), id)) }

// PauseRun pauses a run.
func (a *App) PauseRun(id string) (domain.Run, error) { return call(a.svc.PauseRun(a.ctx(), id)) }

// ResumeRun resumes a paused run.
func (a *App) ResumeRun(id string) (domain.Run, error) { return call(a.svc.ResumeRun(a.ctx(), id)) }

// CancelRun cancels a run.
func (a *App) CancelRun(id string) (domain.Run, error) { return call(a.svc.CancelRun(a.ctx(), id)) }

// ReplayRun replays a terminal run.
func (a *App) ReplayRun(id string) (domain.Run, error) { return call(a.svc.ReplayRun(a.ctx(), id)) }

// ResyncConnection replays the failed runs that used a connection.
func (a *App) ResyncConnection(id string) (int, error) {
	return call(a.svc.ResyncConnection(a.ctx(), id))
}

// CreateClient adds a client.
func (a *App) CreateClient(name string) (domain.Client, error) {
	return call(a.svc.CreateClient(a.ctx(), name))
}

// RenameClient renames a client.
func (a *App) RenameClient(id, name string) (domain.Client, error) {
	return call(a.svc.RenameClient(a.ctx(), id, name))
}

// ArchiveClient archives or restores a client.
func (a *App) ArchiveClient(id string, archived bool) (domain.Client, error) {
	return call(a.svc.ArchiveClient(a.ctx(), id, archived))
}

// ListClients returns every client.
func (a *App) ListClients() ([]domain.Client, error) { return call(a.svc.ListClients(a.ctx())) }

// SetConnectionOwner hands a connection to a client ("" for the team).
func (a *App) SetConnectionOwner(connectionID, clientID string) (domain.Connection, error) {
	return call(a.svc.SetConnectionOwner(a.ctx(), connectionID, clientID))
}

// CreateReconnectRequest creates a signed single-use reconnection link.
func (a *App) CreateReconnectRequest(connectionID, baseURL string) (domain.ReconnectRequest, error) {
	return call(a.svc.CreateReconnectRequest(a.ctx(), connectionID, baseURL))
}

// RevokeRequest revokes a reconnection link and ends the portal sessions it
// opened.
func (a *App) RevokeRequest(id string) error { return toUI(a.svc.RevokeRequest(a.ctx(), id)) }

// ListRequests returns a client's reconnection requests ("" for all).
func (a *App) ListRequests(clientID string) ([]domain.ReconnectRequest, error) {
	return call(a.svc.ListRequests(a.ctx(), clientID))
}

// ListPortalSessions lists a client's live portal sessions ("" for all).
func (a *App) ListPortalSessions(clientID string) ([]domain.PortalSession, error) {
	return call(a.svc.ListPortalSessions(a.ctx(), clientID))
}

// EndPortalSessions ends every portal session of a client.
func (a *App) EndPortalSessions(clientID string) (int, error) {
	return call(a.svc.EndPortalSessions(a.ctx(), clientID))
}

// WorkspaceImpact lists the workflows a workspace change would disconnect.
func (a *App) WorkspaceImpact(id string, workspaceIDs []string) ([]domain.Workflow, error) {
	return call(a.svc.WorkspaceImpact(a.ctx(), id, workspaceIDs))
}

// UpdateWorkflow edits a workflow.
func (a *App) UpdateWorkflow(id string, d service.WorkflowDraft) (domain.Workflow, error) {
	return call(a.svc.UpdateWorkflow(a.ctx(), id, d))
}

// GetUptime returns an integration's uptime over 24 h, 7 d and 30 d.
func (a *App) GetUptime(id string) (service.UptimeWindows, error) {
	return call(a.svc.GetUptime(a.ctx(), id))
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
