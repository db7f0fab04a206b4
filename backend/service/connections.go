package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/notify"
	"patchbay/backend/oauth"
	"patchbay/backend/providers"
	"patchbay/backend/runs"
	"patchbay/backend/secrets"
)

// Connections is the connections-and-checks part of the service: creating,
// validating, renaming, re-authenticating, disconnecting and deleting
// connections, their workspaces and linked groups, checking them and
// recording what a check found (history, bell, resuming parked runs). Its
// methods are the Service's (embedded), so the bindings and the HTTP method
// list are unchanged.
type Connections struct {
	store     connectionStore
	secrets   secrets.Store
	catalogue *providers.Catalogue
	validator *providers.Validator
	refresher *oauth.Refresher
	notifier  *notify.Notifier
	engine    *runs.Engine
	bus       *events.Bus
	log       *slog.Logger
	now       domain.Clock
	core      connectionsCore
}

// connectionStore is what Connections needs from the database.
type connectionStore interface {
	GetConnection(ctx context.Context, id string) (domain.Connection, error)
	ListConnections(ctx context.Context) ([]domain.Connection, error)
	ListConnectionSummaries(ctx context.Context) (json.RawMessage, error)
	CreateConnections(ctx context.Context, list []domain.Connection) error
	RenameConnection(ctx context.Context, id, label string, at time.Time) error
	SetConnectionWorkspaces(ctx context.Context, id string, workspaceIDs []string, at time.Time) error
	ChangeCredential(ctx context.Context, id string, change func(*domain.Connection) error) (domain.Connection, error)
	RecordCheck(ctx context.Context, c domain.Connection) (bool, error)
	DeleteConnection(ctx context.Context, id string) error
	GetWorkspace(ctx context.Context, id string) (domain.Workspace, error)
	AddCheck(ctx context.Context, connectionID string, r domain.CheckResult) error
	ListChecks(ctx context.Context, connectionID string, limit int) ([]domain.CheckRecord, error)
	OpenNotification(ctx context.Context, connectionID, kind string) (*domain.Notification, error)
	ListWorkflows(ctx context.Context) ([]domain.Workflow, error)
	SaveWorkflow(ctx context.Context, w domain.Workflow) error
}

// connectionsCore is what Connections uses of the rest of the service: the
// audit log, fresh OAuth tokens (Consents) and the alert routes.
type connectionsCore interface {
	refreshConfig(ctx context.Context, c domain.Connection, m *providers.Mode, values map[string]string) (context.Context, *oauth2.Config)
	audit(ctx context.Context, c domain.Connection, action, outcome, detail string)
	auditCheck(ctx context.Context, prev, c domain.Connection)
	oauthToken(ctx context.Context, c domain.Connection, m *providers.Mode, values map[string]string, force bool) (*oauth2.Token, error)
	alertStateChange(ctx context.Context, c domain.Connection, app, event, stateKey string)
}

// ListConnections returns every connection, without secrets.
func (s *Connections) ListConnections(ctx context.Context) ([]domain.Connection, error) {
	return s.store.ListConnections(ctx)
}

// ListConnectionSummaries returns every connection's row of the connection
// list (the UI's ListConnections), the JSON array of domain.ConnectionSummary
// the store builds: never a secret, nor the details only the connection page
// shows (GetConnection).
func (s *Connections) ListConnectionSummaries(ctx context.Context) (json.RawMessage, error) {
	return s.store.ListConnectionSummaries(ctx)
}

// GetConnection returns one connection, without secrets.
func (s *Connections) GetConnection(ctx context.Context, id string) (domain.Connection, error) {
	return s.store.GetConnection(ctx, id)
}

// draft is a ConnectionDraft checked against the catalogue.
type draft struct {
	provider *providers.Provider
	mode     *providers.Mode
	baseURL  string
	label    string
	config   map[string]string // non-secret field values
	secrets  map[string]string // secret field values
	warnings []string
}

func (d draft) values() map[string]string {
	v := make(map[string]string, len(d.config)+len(d.secrets))
	for k, x := range d.config {
		v[k] = x
	}
	for k, x := range d.secrets {
		v[k] = x
	}
	return v
}

func (d draft) target() providers.Target {
	return providers.Target{Provider: d.provider, Mode: d.mode, BaseURL: d.baseURL, Values: d.values()}
}

// prepare checks a draft: provider and mode exist, the label and workspaces
// are given, the base URL is well formed and the mode's fields are filled.
func (s *Connections) prepare(ctx context.Context, in domain.ConnectionDraft) (draft, error) {
	return s.prepareMode(ctx, in, false)
}

// prepareMode is prepare; consent modes are accepted only when allowOAuth
// (StartConsent), since Validate Connection cannot check them.
func (s *Connections) prepareMode(ctx context.Context, in domain.ConnectionDraft, allowOAuth bool) (draft, error) {
	var d draft
	p, ok := s.catalogue.Provider(in.Provider)
	if !ok {
		return d, domain.FieldError("provider", "Choose a provider from the list.")
	}
	m, ok := p.Mode(in.AuthMode)
	if !ok {
		return d, domain.FieldError("authMode", "Choose how to authenticate with %s.", p.Name)
	}
	if m.OAuth != nil && !allowOAuth {
		return d, domain.FieldError("authMode", "%s connects by OAuth consent: use Connect (consent) instead of Validate Connection.", m.Name)
	}
	if m.OAuth1 != nil && !allowOAuth {
		return d, domain.FieldError("authMode", "%s connects through Jira's authorization page: select Generate URL instead of Validate Connection.", m.Name)
	}
	d.provider, d.mode = p, m
	d.label = strings.TrimSpace(in.Label)
	if d.label == "" {
		return d, domain.FieldError("label", "Enter a name for this integration, e.g. “%s production”.", p.Name)
	}
	if len(d.label) > 120 {
		return d, domain.FieldError("label", "Use at most 120 characters for the name.")
	}
	d.baseURL = p.CloudBaseURL
	if p.SelfHosted && strings.TrimSpace(in.BaseURL) != "" {
		u, err := providers.CheckBaseURL("baseUrl", in.BaseURL, false)
		if err != nil {
			return d, err
		}
		d.baseURL = u
	}
	values := map[string]string{}
	for k, v := range in.Config {
		values[k] = v
	}
	for k, v := range in.Secrets {
		values[k] = v
	}
	clean, warnings, err := providers.Normalize(m, values)
	if err != nil {
		return d, err
	}
	d.warnings = warnings
	d.config, d.secrets = map[string]string{}, map[string]string{}
	for _, f := range m.Fields {
		if f.Secret() {
			d.secrets[f.Key] = clean[f.Key]
		} else {
			d.config[f.Key] = clean[f.Key]
		}
	}
	for _, f := range m.Fields {
		if f.Kind == "url" && clean[f.Key] != "" {
			if _, err := providers.JoinURL(f.Key, d.baseURL, clean[f.Key]); err != nil {
				return d, err
			}
		}
	}
	return d, nil
}

// checkWorkspaces makes sure at least one existing workspace is chosen.
func (s *Connections) checkWorkspaces(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, domain.FieldError("workspaceIds", "Select at least one workspace.")
	}
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, err := s.store.GetWorkspace(ctx, id); err != nil {
			if domain.ErrorCode(err) == domain.ENotFound {
				return nil, domain.FieldError("workspaceIds", "A selected workspace no longer exists. Reload and choose again.")
			}
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// ValidateDraft sends the provider's validation request for a draft without
// storing anything: the Validate Connection button of the Add form.
func (s *Connections) ValidateDraft(ctx context.Context, in domain.ConnectionDraft) (domain.DraftCheck, error) {
	d, err := s.prepare(ctx, in)
	if err != nil {
		return domain.DraftCheck{}, err
	}
	res, creds, failed := s.validateAll(ctx, d.target())
	if failed != nil {
		res = *failed
	}
	return domain.DraftCheck{Check: res, Credentials: creds, Warnings: nonNil(d.warnings)}, nil
}

// CreateConnection validates a draft against the provider and, only if the
// provider accepts the credential, stores the secret in the secret store and
// the rest in SQLite. Nothing is stored when any step fails.
func (s *Connections) CreateConnection(ctx context.Context, in domain.ConnectionDraft) (domain.Connection, error) {
	d, err := s.prepare(ctx, in)
	if err != nil {
		return domain.Connection{}, err
	}
	wsIDs, err := s.checkWorkspaces(ctx, in.WorkspaceIDs)
	if err != nil {
		return domain.Connection{}, err
	}
	res, creds, failed := s.validateAll(ctx, d.target())
	if failed != nil {
		return domain.Connection{}, &domain.Error{Code: domain.EValidation, Message: failed.Message, Check: failed}
	}
	now := s.now().UTC()
	c := domain.Connection{
		ID: newID("conn"), Provider: d.provider.ID, AuthMode: d.mode.ID, Label: d.label, Owner: domain.OwnerTeam,
		WorkspaceIDs: wsIDs, BaseURL: d.baseURL, Config: d.config, Status: domain.StatusPending,
		SecretHint: hint(d.mode, d.secrets), CreatedAt: now, UpdatedAt: now,
	}
	applyPool(&c, res, creds, nil)
	linked := s.linkedConnections(&c, d)
	if err := s.createConnections(ctx, append([]domain.Connection{c}, linked...), d.secrets, nil); err != nil {
		return domain.Connection{}, err
	}
	return c, nil
}

// RenameConnection changes a connection's label.
func (s *Connections) RenameConnection(ctx context.Context, id, label string) (domain.Connection, error) {
	label = strings.TrimSpace(label)
	if label == "" {
		return domain.Connection{}, domain.FieldError("label", "Enter a name for this integration.")
	}
	if len(label) > 120 {
		return domain.Connection{}, domain.FieldError("label", "Use at most 120 characters for the name.")
	}
	if err := s.store.RenameConnection(ctx, id, label, s.now().UTC()); err != nil {
		return domain.Connection{}, fmt.Errorf("rename connection %s: %w", id, err)
	}
	s.bus.Publish(events.ConnectionChanged, events.ConnectionRef{ID: id})
	return s.store.GetConnection(ctx, id)
}

// DeleteConnection removes a connection and its secret. An OAuth
// connection's tokens are revoked at the provider first when it can (RFC
// 7009); when the provider refused or has no revocation endpoint, the
// connection is deleted anyway and the returned message says so ("" when
// there is nothing to say). The secret goes before the row: if the secret
// store cannot be reached, nothing is deleted and the error says so.
func (s *Connections) DeleteConnection(ctx context.Context, id string) (string, error) {
	c, err := s.store.GetConnection(ctx, id)
	if err != nil {
		return "", err
	}
	members, err := s.groupMembers(ctx, c)
	if err != nil {
		return "", err
	}
	msg := ""
	if len(members) == 0 { // a shared secret stays while a linked connection uses it
		// Under the refresher's lock: a refresh in flight saves its token
		// first, and that newest token is the one revoked and deleted (a
		// refresh ending later would bring it back, live, for a connection
		// that is gone).
		err := s.refresher.WithLock(ctx, tokenKey(c), "delete", func(ctx context.Context) error {
			if c.Status != domain.StatusRevoked {
				// Revoke first when it can: the last connection using a token.
				if p, ok := s.catalogue.Provider(c.Provider); ok {
					if m, ok := p.Mode(c.AuthMode); ok && m.OAuth != nil {
						if note, confirmed := s.revokeTokens(ctx, c, m); !confirmed {
							msg = "Deleted. " + note
						}
					}
				}
			}
			if err := s.secrets.Delete(ctx, secretKeyOf(c)); err != nil {
				return fmt.Errorf("delete secret of connection %s: %w", id, err)
			}
			if err := s.secrets.Delete(ctx, tokenKey(c)); err != nil {
				return fmt.Errorf("delete token of connection %s: %w", id, err)
			}
			return nil
		})
		if errors.Is(err, oauth.ErrRefreshRunning) {
			return "", domain.Errorf(domain.EUnavailable, "%s", refreshRunning+" The connection was not deleted; try again in a minute.")
		}
		if err != nil {
			return "", err
		}
	}
	if err := s.store.DeleteConnection(ctx, id); err != nil {
		return "", fmt.Errorf("delete connection %s: %w", id, err)
	}
	s.log.Info("connection deleted", "connection", id)
	s.core.audit(ctx, c, domain.AuditDeleted, OutcomeOK, msg)
	s.bus.Publish(events.ConnectionChanged, events.ConnectionRef{ID: id, Deleted: true})
	return msg, nil
}

// CheckConnection validates a stored connection now and records the result.
// OAuth connections refresh their access token first when it expires soon.
func (s *Connections) CheckConnection(ctx context.Context, id string) (domain.Connection, error) {
	c, err := s.store.GetConnection(ctx, id)
	if err != nil {
		return domain.Connection{}, err
	}
	return s.check(ctx, c, false)
}

// check validates c (forcing a token refresh when forceRefresh) and records
// the outcome.
func (s *Connections) check(ctx context.Context, c domain.Connection, forceRefresh bool) (domain.Connection, error) {
	c, p, m, err := s.resolve(ctx, c.ID)
	if err != nil {
		return domain.Connection{}, err
	}
	if c.Config[domain.ConfigAwaitingClient] != "" {
		return c, nil // requested from a client: nothing to check until they connect it
	}
	if c.Status == domain.StatusRevoked {
		return c, nil // disconnected: its tokens are revoked; nothing to check until it is reconnected
	}
	sec, err := s.getSecrets(ctx, secretKeyOf(c))
	switch {
	case errors.Is(err, secrets.ErrNotFound):
		res := domain.CheckResult{Class: domain.ClassInvalidCredentials, CheckedAt: s.now().UTC(),
			Message: "The stored secret for this connection is missing from the " + s.secrets.Backend() + "."}
		providers.Explain(&res, p)
		c.ApplyCheck(res)
	case err != nil:
		return domain.Connection{}, err
	default:
		values := merged(c.Config, sec)
		if m.OAuth != nil {
			tok, err := s.core.oauthToken(ctx, c, m, values, forceRefresh)
			var de *domain.Error
			switch {
			case errors.As(err, &de) && de.Check != nil:
				res := *de.Check
				res.CheckedAt = s.now().UTC()
				providers.Explain(&res, p)
				c.ApplyCheck(res)
				return s.saveCheck(ctx, c)
			case err != nil:
				return domain.Connection{}, err
			}
			values["accessToken"], values["idToken"] = tok.AccessToken, oauth.IDToken(tok)
			c.TokenExpiresAt = expiry(tok)
		}
		target := providers.Target{Provider: p, Mode: m, BaseURL: c.BaseURL, Values: values}
		combined, creds, failed := s.validateAll(ctx, target)
		if m.OAuth != nil && tokenRefused(combined) {
			// A 401 or 403 on an OAuth connection is most often a token
			// that a rotation just replaced (some servers revoke the old
			// access token and answer 403 for it): renew once — reusing a
			// token another check already rotated in — and retry once
			// before any status change.
			used := values["accessToken"]
			rctx, cfg := s.core.refreshConfig(ctx, c, m, values)
			tok, err := s.refresher.Renew(rctx, tokenKey(c), cfg, used)
			var de *domain.Error
			switch {
			case err == nil:
				values["accessToken"], values["idToken"] = tok.AccessToken, oauth.IDToken(tok)
				combined, creds, failed = s.validateAll(ctx, target)
			case errors.As(err, &de) && de.Check != nil:
				combined = *de.Check // the grant itself failed (revoked) or the provider is down
				combined.CheckedAt = s.now().UTC()
				providers.Explain(&combined, p)
			default:
				return domain.Connection{}, err
			}
		}
		if m.OAuth != nil && !combined.OK() {
			// A result produced with a token that has since been replaced
			// says nothing about the connection: discard it.
			if cur, err := (oauth.SecretTokens{Secrets: s.secrets}).LoadToken(ctx, tokenKey(c)); err == nil && cur.AccessToken != values["accessToken"] {
				s.log.Info("check result discarded: the token was replaced during the check", "connection", c.ID, "class", combined.Class)
				return s.store.GetConnection(ctx, c.ID)
			}
		}
		applyPool(&c, combined, creds, failed)
		if m.OAuth != nil && combined.OK() {
			c.TokenExpiresAt = nil
			if tok, err := (oauth.SecretTokens{Secrets: s.secrets}).LoadToken(ctx, tokenKey(c)); err == nil {
				c.TokenExpiresAt = expiry(tok)
			}
		}
	}
	return s.saveCheck(ctx, c)
}

// tokenRefused reports whether a check failed because the provider refused
// the access token (401, or a 403 that does not say a scope is missing):
// after a rotation, the token in use may just have been replaced.
func tokenRefused(res domain.CheckResult) bool {
	switch res.HTTPStatus {
	case 401:
		return true
	case 403:
		return !res.ScopeReported && res.Class != domain.ClassRateLimited
	}
	return false
}

// saveCheck stores a check's outcome (only the check's columns, and only if
// the credential it checked is still the connection's: store.RecordCheck),
// its history entry and the event. The result of a check of a secret that
// was replaced meanwhile is dropped; the connection as stored is returned.
func (s *Connections) saveCheck(ctx context.Context, c domain.Connection) (domain.Connection, error) {
	c.UpdatedAt = s.now().UTC()
	prev, _ := s.store.GetConnection(ctx, c.ID)
	ok, err := s.store.RecordCheck(ctx, c)
	if err != nil {
		return domain.Connection{}, fmt.Errorf("record check of connection %s: %w", c.ID, err)
	}
	if !ok {
		s.log.Info("check result dropped: the credential changed during the check", "connection", c.ID)
		return s.store.GetConnection(ctx, c.ID)
	}
	stored, err := s.store.GetConnection(ctx, c.ID)
	if err != nil {
		return domain.Connection{}, err
	}
	c.Label = stored.Label // the bell names it as it is called now
	s.core.auditCheck(ctx, prev, c)
	s.recordCheck(ctx, c)
	s.bus.Publish(events.ConnectionChanged, events.ConnectionRef{ID: c.ID})
	return stored, nil
}

// secretKey is the secret store key of a connection's secret bundle.
func secretKey(id string) string { return "connection/" + id }

// putSecrets stores a secret bundle under key (see secretKeyOf).
func (s *Connections) putSecrets(ctx context.Context, key string, values map[string]string) error {
	b, err := json.Marshal(values)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if err := s.secrets.Set(ctx, key, string(b)); err != nil {
		return fmt.Errorf("store %s: %w", key, err)
	}
	return nil
}

// getSecrets reads the secret bundle stored under key.
func (s *Connections) getSecrets(ctx context.Context, key string) (map[string]string, error) {
	raw, err := s.secrets.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	var values map[string]string
	if err := json.Unmarshal([]byte(raw), &values); err != nil {
		return nil, fmt.Errorf("decode %s: %w", key, err)
	}
	return values, nil
}

// hint is the masked secret shown in the UI: the last four characters of the
// mode's first secret field.
func hint(m *providers.Mode, values map[string]string) string {
	for _, f := range m.Fields {
		if f.Secret() {
			return domain.MaskSecret(values[f.Key])
		}
	}
	return ""
}

// recordCheck follows a recorded check of c: it stores the check in the
// history, updates the bell and, when the connection is active, resumes the
// runs parked on it by a direct call (never through the lossy event bus).
// All are best effort: a failure is logged, never shown as a failed check.
func (s *Connections) recordCheck(ctx context.Context, c domain.Connection) {
	app, refreshable := c.Provider, false
	if p, ok := s.catalogue.Provider(c.Provider); ok {
		app = p.Name
		if m, ok := p.Mode(c.AuthMode); ok {
			refreshable = m.OAuth != nil
		}
	}
	before, _ := s.store.OpenNotification(ctx, c.ID, domain.KindReauth)
	expiring, _ := s.store.OpenNotification(ctx, c.ID, domain.KindExpiry)
	if changed, err := s.notifier.Observe(ctx, c, app, refreshable); err != nil {
		s.log.Error("update notifications", "connection", c.ID, "err", err)
	} else if changed {
		s.bus.Publish(events.NotificationsChanged, struct{}{})
		// The critical notification was raised or resolved: post it to the
		// alert routes, once per route and state change (its id).
		after, _ := s.store.OpenNotification(ctx, c.ID, domain.KindReauth)
		switch {
		case before == nil && after != nil:
			s.core.alertStateChange(ctx, c, app, domain.AlertReauthRequired, after.ID+":broken")
		case before != nil && after == nil && c.Status == domain.StatusActive:
			s.core.alertStateChange(ctx, c, app, domain.AlertRecovered, before.ID+":recovered")
		}
		if now, _ := s.store.OpenNotification(ctx, c.ID, domain.KindExpiry); expiring == nil && now != nil {
			s.core.alertStateChange(ctx, c, app, domain.AlertExpiring, now.ID+":expiring")
		}
	}
	if c.LastCheckedAt == nil {
		return
	}
	r := domain.CheckResult{Class: domain.ClassOK, Message: c.StatusDescription, CheckedAt: *c.LastCheckedAt, RateRemaining: c.RateLimitRemain}
	switch {
	case c.LastError != nil:
		r = *c.LastError
	case c.LastCheck != nil && c.LastCheck.OK():
		// Keep what the provider answered and how long it took: a history
		// of zeros would draw every healthy connection's latency flat.
		r.HTTPStatus, r.LatencyMS, r.CheckedAt = c.LastCheck.HTTPStatus, c.LastCheck.LatencyMS, c.LastCheck.CheckedAt
	}
	if err := s.store.AddCheck(ctx, c.ID, r); err != nil {
		s.log.Error("record check history", "connection", c.ID, "err", err)
	}
	if c.Status == domain.StatusActive {
		s.resumeParked(ctx, c.ID)
	}
}

// resumeParked resumes the runs parked for reauthorization of a connection
// that is active now.
func (s *Connections) resumeParked(ctx context.Context, id string) {
	if n, err := s.engine.ConnectionActive(ctx, id); err != nil {
		s.log.Error("resume parked runs", "connection", id, "err", err)
	} else if n > 0 {
		s.log.Info("resumed runs parked for reauthorization", "connection", id, "runs", n)
	}
}

// ListChecks returns a connection's most recent checks, newest first.
func (s *Connections) ListChecks(ctx context.Context, id string, limit int) ([]domain.CheckRecord, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	if _, err := s.store.GetConnection(ctx, id); err != nil {
		return nil, err
	}
	return s.store.ListChecks(ctx, id, limit)
}
