package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/oauth"
	"patchbay/backend/providers"
)

// Consents is the consent-and-refresh part of the service: connecting and
// reauthorizing by OAuth consent (loopback or handed off to the portal),
// Validate Connection after a confirmed consent, OAuth 1.0a authorization,
// and renewing access tokens (Refresh credential, and the fresh token every
// check and step uses). Its methods are the Service's (embedded), so the
// bindings and the HTTP method list are unchanged.
type Consents struct {
	store     consentStore
	validator *providers.Validator
	refresher *oauth.Refresher
	bus       *events.Bus
	log       *slog.Logger
	now       domain.Clock
	timeout   time.Duration // bounds a consent (oauth.DefaultConsentTimeout if 0)
	// refreshBudget bounds a user-started "Refresh credential".
	refreshBudget time.Duration
	life          context.Context // ends when the service's Wait is called
	spawn         func(fn func()) // runs fn in a goroutine the service's Wait waits for
	core          consentCore
	consents      consents
	oauth1        oauth1Flows
}

// consentStore is what Consents needs from the database.
type consentStore interface {
	GetConnection(ctx context.Context, id string) (domain.Connection, error)
	ChangeCredential(ctx context.Context, id string, change func(*domain.Connection) error) (domain.Connection, error)
}

// consentCore is what Consents uses of the connections-and-checks part:
// drafts, workspaces, creating connections and their linked groups, the
// secret bundles, checks and their records, and the audit log.
type consentCore interface {
	refreshConfig(ctx context.Context, c domain.Connection, m *providers.Mode, values map[string]string) (context.Context, *oauth2.Config)
	prepareMode(ctx context.Context, in domain.ConnectionDraft, allowOAuth bool) (draft, error)
	checkWorkspaces(ctx context.Context, ids []string) ([]string, error)
	createConnections(ctx context.Context, conns []domain.Connection, secrets map[string]string, tok *oauth2.Token) error
	linkedConnections(c *domain.Connection, d draft) []domain.Connection
	groupMembers(ctx context.Context, c domain.Connection) ([]domain.Connection, error)
	resolve(ctx context.Context, id string) (domain.Connection, *providers.Provider, *providers.Mode, error)
	getSecrets(ctx context.Context, key string) (map[string]string, error)
	putSecrets(ctx context.Context, key string, values map[string]string) error
	check(ctx context.Context, c domain.Connection, forceRefresh bool) (domain.Connection, error)
	saveCheck(ctx context.Context, c domain.Connection) (domain.Connection, error)
	recordCheck(ctx context.Context, c domain.Connection)
	audit(ctx context.Context, c domain.Connection, action, outcome, detail string)
}

// errRetryValidate marks a Validate Connection that changed nothing and can
// be clicked again (a token refresh held the connection's lock).
var errRetryValidate = errors.New("validate connection again")

// retryValidate is a user-facing error that is also errRetryValidate.
type retryValidate struct{ err error }

func (e *retryValidate) Error() string   { return e.err.Error() }
func (e *retryValidate) Unwrap() []error { return []error{e.err, errRetryValidate} }

// consents tracks running OAuth consents by id.
type consents struct {
	mu   sync.Mutex
	runs map[string]*consentRun
	// start serializes starting a connection's consent with cancelling
	// its pending one (one pending consent per connection).
	start sync.Mutex
}

// replaceWait bounds the wait for a replaced consent's listener to close.
const replaceWait = 10 * time.Second

type consentRun struct {
	status   domain.ConsentStatus
	consent  *oauth.Consent
	conn     string        // the connection reauthorized ("" for a new one)
	ended    chan struct{} // closed once Wait returned: its listener is closed
	finished time.Time     // when it ended (zero while pending)
	// hold is the granted token of an authorized consent, waiting for
	// CompleteConsent; nil once used or discarded.
	hold *heldGrant
}

// heldGrant keeps a consent's new token in memory between the provider's
// grant and Validate Connection; it never reaches the store before then.
type heldGrant struct {
	mu  sync.Mutex
	tok *oauth2.Token
	res domain.CheckResult
	// requested are the scopes asked for: a token response without a
	// scope granted exactly those (RFC 6749 §5.1).
	requested []string
	// complete validates the token again and makes it the credential.
	complete func(ctx context.Context, tok *oauth2.Token) (string, error)
}

func (h *heldGrant) keep(tok *oauth2.Token, res domain.CheckResult) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tok, h.res = tok, res
}

// who is the account that authorized and the scopes the token carries (as
// the provider reported them, else the token response's scope).
func (h *heldGrant) who() (string, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	scopes := h.res.Scopes
	if len(scopes) == 0 && h.tok != nil {
		if sc, ok := h.tok.Extra("scope").(string); ok {
			scopes = strings.Fields(sc)
		}
	}
	if len(scopes) == 0 {
		scopes = h.requested
	}
	return h.res.Identity, scopes
}

// consentKeep is how long a finished consent's status stays readable
// (GetConsent) before it is pruned.
const consentKeep = 15 * time.Minute

// pruneConsents drops consents that finished more than consentKeep ago (an
// authorized one stays while its grant waits for CompleteConsent). The
// caller holds s.consents.mu.
func (s *Consents) pruneConsents() {
	now := s.now()
	for id, run := range s.consents.runs {
		if !run.finished.IsZero() && run.status.State != domain.ConsentAuthorized && now.Sub(run.finished) > consentKeep {
			delete(s.consents.runs, id)
		}
	}
}

// tokenKey is where a connection's OAuth token lives in the secret store:
// linked connections (Azure DevOps Boards, Repos, Pipelines) share their
// group's token, so one reauthorization or refresh serves them all.
func tokenKey(c domain.Connection) string {
	if g := c.Config[GroupKey]; g != "" {
		return "oauth-token/" + g
	}
	return "oauth-token/" + c.ID
}

// oauthConfig builds the x/oauth2 config of an OAuth connection.
func oauthConfig(m *providers.Mode, baseURL string, values map[string]string) *oauth2.Config {
	authURL, tokenURL := m.OAuthURLs(baseURL, values)
	scopes := m.OAuth.Scopes
	if s := strings.Fields(values["scopes"]); len(s) > 0 {
		scopes = s
	}
	cfg := &oauth2.Config{ClientID: values["clientId"], ClientSecret: values["clientSecret"], Scopes: m.OAuth.ScopeParam(scopes),
		Endpoint: oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL,
			AuthStyle: oauth.AuthStyle(m.OAuth.TokenAuthMethod(values), values["clientSecret"])}}
	if m.OAuth.RefreshSendsRedirect {
		// The redirect URI of the authorization, repeated by refreshes (a
		// consent sets its own): the registered HTTPS one, or the pinned port.
		switch {
		case values["redirectUri"] != "":
			cfg.RedirectURL = values["redirectUri"]
		case values["redirectPort"] != "":
			cfg.RedirectURL = "http://127.0.0.1:" + strings.TrimSpace(values["redirectPort"]) + "/callback"
		}
	}
	return cfg
}

// StartConsent begins connecting a new integration by OAuth consent: it
// opens a loopback listener and returns the authorize URL for the system
// browser. The connection is created when the consent completes and its
// first check passes; follow it with GetConsent or "consent:changed".
func (s *Consents) StartConsent(ctx context.Context, in domain.ConnectionDraft) (domain.ConsentStatus, error) {
	d, err := s.core.prepareMode(ctx, in, true)
	if err != nil {
		return domain.ConsentStatus{}, err
	}
	if d.mode.OAuth == nil {
		return domain.ConsentStatus{}, domain.FieldError("authMode", "%s connects with a token, not by consent. Use Validate Connection.", d.mode.Name)
	}
	wsIDs, err := s.core.checkWorkspaces(ctx, in.WorkspaceIDs)
	if err != nil {
		return domain.ConsentStatus{}, err
	}
	if err := discoverEndpoints(ctx, d.mode, d.config); err != nil {
		return domain.ConsentStatus{}, err
	}
	cfg := oauthConfig(d.mode, d.baseURL, d.values())
	// A Generic connection whose client authentication neither the user nor
	// discovery named (endpoints entered by hand) learns it at the code
	// exchange, as a re-authorization does, and records it on the new
	// connection.
	var learned learnedMethod
	markUnknownTokenAuth(cfg, d.mode, d.values())
	return s.runConsentVia("", cfg, d.mode, d.values(), nil, learned.set, func(ctx context.Context, tok *oauth2.Token) (string, *domain.CheckResult, error) {
		if method := learned.get(); method != "" {
			d.config[providers.ConfigTokenAuth] = method
		}
		values := d.values()
		values["accessToken"], values["idToken"] = tok.AccessToken, oauth.IDToken(tok)
		if d.mode.OAuth.Sites != nil {
			site, res, err := s.grantedSite(ctx, providers.Target{Provider: d.provider, Mode: d.mode, BaseURL: d.baseURL, Values: values}, "")
			if err != nil || res != nil {
				return "", res, err
			}
			values["cloudId"], d.config["cloudId"] = site.ID, site.ID
		}
		res := s.validator.Validate(ctx, providers.Target{Provider: d.provider, Mode: d.mode, BaseURL: d.baseURL, Values: values})
		if !res.OK() {
			return "", &res, nil
		}
		now := s.now().UTC()
		c := domain.Connection{ID: newID("conn"), Provider: d.provider.ID, AuthMode: d.mode.ID, Label: d.label, Owner: domain.OwnerTeam,
			WorkspaceIDs: wsIDs, BaseURL: d.baseURL, Config: d.config, Status: domain.StatusPending,
			SecretHint: domain.MaskSecret(tok.AccessToken), CreatedAt: now, UpdatedAt: now}
		c.ApplyCheck(res)
		c.TokenExpiresAt = expiry(tok)
		linked := s.core.linkedConnections(&c, d) // share the token with Repos and Pipelines
		if err := s.core.createConnections(ctx, append([]domain.Connection{c}, linked...), d.secrets, tok); err != nil {
			return "", nil, err
		}
		return c.ID, nil, nil
	}, nil)
}

// ReauthorizeConnection reconnects an OAuth connection by consent, with its
// existing OAuth client or a new Client ID and Client Secret. The old token
// and client stay in place until the new consent succeeds and validates.
func (s *Consents) ReauthorizeConnection(ctx context.Context, id string, in domain.ReauthorizeDraft) (domain.ConsentStatus, error) {
	return s.reauthorize(ctx, id, in, nil)
}

// handoff sends a consent's callback to the app's own server (the client
// portal) instead of a loopback listener, and the browser back to done.
type handoff struct{ callback, done string }

func (s *Consents) reauthorize(ctx context.Context, id string, in domain.ReauthorizeDraft, via *handoff) (domain.ConsentStatus, error) {
	c, p, m, err := s.core.resolve(ctx, id)
	if err != nil {
		return domain.ConsentStatus{}, err
	}
	if m.OAuth == nil {
		return domain.ConsentStatus{}, domain.Errorf(domain.EInvalid, "This connection uses a token; use Re-Authenticate instead.")
	}
	sec, err := s.core.getSecrets(ctx, secretKeyOf(c))
	if err != nil {
		return domain.ConsentStatus{}, err
	}
	values := merged(c.Config, sec)
	newClient := strings.TrimSpace(in.ClientID) != "" || strings.TrimSpace(in.ClientSecret) != ""
	if newClient {
		if strings.TrimSpace(in.ClientID) == "" {
			return domain.ConsentStatus{}, domain.FieldError("clientId", "Enter the new Client ID.")
		}
		if strings.TrimSpace(in.ClientSecret) == "" {
			return domain.ConsentStatus{}, domain.FieldError("clientSecret", "Enter the new Client Secret.")
		}
		values["clientId"], values["clientSecret"] = strings.TrimSpace(in.ClientID), strings.TrimSpace(in.ClientSecret)
	}
	cfg := oauthConfig(m, c.BaseURL, values)
	// An old Generic connection without a recorded client authentication
	// learns it at the code exchange (Basic, the same code once more in the
	// body only after invalid_client); the method that worked is recorded
	// with the new token (apply), compare-and-set: a value recorded
	// meanwhile (a refresh learned it) stays. With an issuer, discovery is
	// not run again: the exchange learns it the same way.
	var learned learnedMethod
	markUnknownTokenAuth(cfg, m, values)
	// check validates a new token against the provider (the site the
	// connection was made for, then the mode's validation request).
	check := func(ctx context.Context, tok *oauth2.Token) (domain.CheckResult, error) {
		v := merged(values)
		v["accessToken"], v["idToken"] = tok.AccessToken, oauth.IDToken(tok)
		if m.OAuth.Sites != nil {
			// Reauthorization keeps the site the connection was made for.
			if _, _, err := s.grantedSite(ctx, providers.Target{Provider: p, Mode: m, BaseURL: c.BaseURL, Values: v}, c.Config["cloudId"]); err != nil {
				return domain.CheckResult{}, err
			}
		}
		return s.validator.Validate(ctx, providers.Target{Provider: p, Mode: m, BaseURL: c.BaseURL, Values: v}), nil
	}
	// apply makes a validated token the connection's credential (and its
	// linked connections').
	apply := func(ctx context.Context, tok *oauth2.Token, res domain.CheckResult) (string, error) {
		c, err := s.store.GetConnection(ctx, id) // it may have changed meanwhile
		if err != nil {
			return "", err
		}
		// Through the refresher's lock: a refresh of the old token in
		// flight must not overwrite the new one when it ends. The new
		// client's secret is saved under it too, so a reauthorization that
		// gives up waiting (oauth.ErrRefreshRunning) changes nothing.
		err = s.refresher.WithLock(ctx, tokenKey(c), "re-authorization", func(ctx context.Context) error {
			if newClient {
				c.Config["clientId"] = values["clientId"]
				if err := s.core.putSecrets(ctx, secretKeyOf(c), map[string]string{"clientSecret": values["clientSecret"]}); err != nil {
					return err
				}
			}
			if err := s.refresher.Store.SaveToken(ctx, tokenKey(c), tok); err != nil {
				return fmt.Errorf("save new token of %s: %w", c.ID, err)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		members, err := s.core.groupMembers(ctx, c)
		if err != nil {
			return "", err
		}
		// Linked connections share the token: their status moves with it.
		for _, x := range append([]domain.Connection{c}, members...) {
			recorded := "" // the client authentication learned and recorded here
			saved, err := s.store.ChangeCredential(ctx, x.ID, func(x *domain.Connection) error {
				recorded = ""
				if newClient {
					x.Config["clientId"] = values["clientId"]
				}
				delete(x.Config, domain.ConfigAwaitingClient) // a requested connection is now connected
				if method := learned.get(); method != "" && x.ID == c.ID && x.Config[providers.ConfigTokenAuth] == "" {
					x.Config[providers.ConfigTokenAuth], recorded = method, method // in the transaction: compare-and-set
				}
				x.ApplyCheck(res)
				x.TokenExpiresAt, x.SecretHint, x.UpdatedAt = expiry(tok), domain.MaskSecret(tok.AccessToken), s.now().UTC()
				return nil
			})
			if err != nil {
				return "", fmt.Errorf("record reauthorization of %s: %w", x.ID, err)
			}
			s.core.recordCheck(ctx, saved)
			s.log.Info("connection reauthorized", "connection", x.ID, "new_client", newClient)
			if recorded != "" {
				s.log.Info("client authentication recorded", "connection", x.ID, "method", recorded, "at", "re-authorization")
			}
			if x.ID == c.ID {
				detail := ""
				if newClient {
					detail = "with a new OAuth client"
				}
				s.core.audit(ctx, saved, domain.AuditReauthorized, OutcomeOK, detail)
			}
			s.bus.Publish(events.ConnectionChanged, events.ConnectionRef{ID: x.ID})
		}
		return c.ID, nil
	}
	var hold *heldGrant
	if in.Confirm && via == nil {
		// Seeds 000/001: consent returns to the re-authentication dialog,
		// which shows who authorized and what was granted; Validate
		// Connection (CompleteConsent) validates again and only then
		// replaces the old token.
		hold = &heldGrant{requested: cfg.Scopes, complete: func(ctx context.Context, tok *oauth2.Token) (string, error) {
			res, err := check(ctx, tok)
			if err != nil {
				return "", err
			}
			if !res.OK() {
				return "", &domain.Error{Code: domain.EValidation, Message: res.Message + " Your previous credential was kept.", Check: &res}
			}
			id, err := apply(ctx, tok, res)
			if errors.Is(err, oauth.ErrRefreshRunning) {
				return "", &retryValidate{domain.Errorf(domain.EUnavailable, "%s", refreshRunning+" The new authorization was not saved yet and your previous credential was kept. Try Validate Connection again in a minute.")}
			}
			return id, err
		}}
	}
	return s.runConsentVia(id, cfg, m, values, via, learned.set, func(ctx context.Context, tok *oauth2.Token) (string, *domain.CheckResult, error) {
		res, err := check(ctx, tok)
		if err != nil {
			return "", nil, err
		}
		if !res.OK() {
			return "", &res, nil
		}
		if hold != nil {
			hold.keep(tok, res)
			return c.ID, nil, nil
		}
		id, err := apply(ctx, tok, res)
		if errors.Is(err, oauth.ErrRefreshRunning) {
			return "", nil, domain.Errorf(domain.EUnavailable, "%s", refreshRunning+" The new authorization was not saved and your previous credential was kept. Reauthorize again in a minute.")
		}
		return id, nil, err
	}, hold)
}

// grantedSite finds the connection's site among those the new token was
// granted: by cloud id when reauthorizing (keep), else by the site URL the
// user entered. A site the token cannot reach is a clear failure that
// changes nothing (the old token stays).
func (s *Consents) grantedSite(ctx context.Context, t providers.Target, keep string) (providers.Site, *domain.CheckResult, error) {
	sites, res := s.validator.Sites(ctx, t)
	if !res.OK() {
		return providers.Site{}, &res, nil
	}
	names := make([]string, 0, len(sites))
	for _, x := range sites {
		if (keep != "" && x.ID == keep) || (keep == "" && sameSite(x.URL, t.BaseURL)) {
			return x, nil, nil
		}
		names = append(names, fmt.Sprintf("%s (%s)", x.Name, x.URL))
	}
	granted := "none"
	if len(names) > 0 {
		granted = strings.Join(names, ", ")
	}
	if keep != "" {
		return providers.Site{}, nil, domain.Errorf(domain.EValidation, "The site %s is no longer granted to this app (granted now: %s). Reauthorize again and choose that site on Atlassian's consent page, or ask its admin to allow the app. The old token is kept.", t.BaseURL, granted)
	}
	return providers.Site{}, nil, domain.Errorf(domain.EValidation, "Atlassian did not grant this app access to %s (granted: %s). Connect again and choose that site on the consent page, or check the site URL.", t.BaseURL, granted)
}

// sameSite compares two site URLs by scheme, host and path.
func sameSite(a, b string) bool {
	norm := func(s string) string {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil {
			return s
		}
		return strings.ToLower(u.Scheme+"://"+u.Host) + strings.TrimRight(u.Path, "/")
	}
	return norm(a) == norm(b)
}

// discoverEndpoints fills a generic OAuth connection's empty endpoint URLs
// from its issuer's metadata (OpenID Connect discovery or RFC 8414, kept as
// listed), with the revocation and introspection endpoints when the server
// has them and the client authentication its token endpoint takes, and
// makes sure every endpoint is known before a consent starts.
func discoverEndpoints(ctx context.Context, m *providers.Mode, config map[string]string) error {
	if !m.OAuth.Discovery {
		return nil
	}
	keys := []struct{ key, label string }{{"authorizeUrl", "authorize"}, {"tokenUrl", "token"}, {"userinfoUrl", "userinfo"}}
	missing := false
	for _, k := range keys {
		missing = missing || strings.TrimSpace(config[k.key]) == ""
	}
	if strings.TrimSpace(config["issuer"]) != "" && (missing || strings.TrimSpace(config["revocationUrl"]) == "" || config[providers.ConfigTokenAuth] == "") {
		d, err := oauth.Discover(ctx, nil, config["issuer"])
		if err != nil && missing {
			return err
		}
		if err == nil {
			// ID tokens name the issuer exactly as its metadata does.
			config["issuer"] = d.Issuer
			if config[providers.ConfigTokenAuth] == "" {
				config[providers.ConfigTokenAuth] = providers.ChooseTokenAuth(d.TokenEndpointAuthMethods, m.OAuth.TokenAuth)
			}
		}
		for k, v := range map[string]string{"authorizeUrl": d.AuthorizationEndpoint, "tokenUrl": d.TokenEndpoint, "userinfoUrl": d.UserinfoEndpoint,
			"revocationUrl": d.RevocationEndpoint, "introspectionUrl": d.IntrospectionEndpoint, "jwksUrl": d.JWKSURI} {
			if strings.TrimSpace(config[k]) == "" {
				config[k] = v
			}
		}
	}
	for _, k := range keys {
		if strings.TrimSpace(config[k.key]) != "" {
			continue
		}
		// Without userinfo, the connection is checked by token
		// introspection (RFC 7662) or the ID token (issuer's JWKS).
		if k.key == "userinfoUrl" && (config["introspectionUrl"] != "" || config["jwksUrl"] != "") {
			continue
		}
		return domain.FieldError(k.key, "Enter the %s URL, or an OpenID Connect issuer whose discovery document lists it.", k.label)
	}
	return nil
}

func expiry(tok *oauth2.Token) *time.Time {
	if tok.Expiry.IsZero() {
		return nil
	}
	t := tok.Expiry.UTC()
	return &t
}

// finish is what a consent does with the token once the browser came back:
// it returns the connection id, or a failed check, or an error.
type finish func(ctx context.Context, tok *oauth2.Token) (string, *domain.CheckResult, error)

// consentOptions reads the connection's redirect settings (pinned port,
// registered HTTPS redirect) and checks them against the provider's rule.
func consentOptions(m *providers.Mode, values map[string]string) (oauth.ConsentOptions, error) {
	o := oauth.ConsentOptions{PKCE: m.OAuth.PKCE, AuthParams: m.OAuth.AuthParams}
	if m.OAuth.Discovery && o.AuthParams["prompt"] == "" && slices.Contains(strings.Fields(values["scopes"]), "offline_access") {
		// OpenID Connect Core 1.0 section 11: offline access needs
		// prompt=consent; without it servers drop offline_access and issue
		// no refresh token (panva oidc-provider does).
		params := map[string]string{"prompt": "consent"}
		maps.Copy(params, o.AuthParams)
		o.AuthParams = params
	}
	if raw := strings.TrimSpace(values["redirectPort"]); raw != "" {
		port, err := strconv.Atoi(raw)
		if err != nil || port < 1024 || port > 65535 {
			return o, domain.FieldError("redirectPort", "Enter the callback port as a number from 1024 to 65535 (the port in the redirect URI you registered).")
		}
		o.Port = port
	}
	if raw := strings.TrimSpace(values["redirectUri"]); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return o, domain.FieldError("redirectUri", "Enter the HTTPS redirect URI registered with your OAuth app, like https://example.com/patchbay/callback.")
		}
		if o.Port == 0 {
			return o, domain.FieldError("redirectPort", "Enter the local port your HTTPS redirect page forwards to.")
		}
		o.RedirectURL = u.String()
	}
	switch {
	case m.OAuth.Redirect == providers.RedirectHTTPS && o.RedirectURL == "":
		return o, domain.FieldError("redirectUri", "%s", m.OAuth.RedirectHelp)
	case m.OAuth.Redirect == providers.RedirectExact && o.Port == 0:
		return o, domain.FieldError("redirectPort", "%s", m.OAuth.RedirectHelp)
	}
	return o, nil
}

// learnedMethod is the client authentication a consent's code exchange
// learned (oauth.ConsentOptions.AuthStyleLearned), read when the token is
// applied, maybe later by Validate Connection on another goroutine.
type learnedMethod struct {
	mu     sync.Mutex
	method string
}

func (l *learnedMethod) set(method string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.method = method
}

func (l *learnedMethod) get() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.method
}

// runConsentVia starts the loopback consent (or, with via, hands it off to
// the app's server) and completes it in the background; learned, if set, is told the client authentication the code exchange
// learned (oauth.ConsentOptions.AuthStyleLearned). A consent for connection
// conn (reauthorizing) first cancels its pending one and waits for that
// listener to close: a pinned port is free again.
func (s *Consents) runConsentVia(conn string, cfg *oauth2.Config, m *providers.Mode, values map[string]string, via *handoff, learned func(method string), done finish, hold *heldGrant) (domain.ConsentStatus, error) {
	opts, err := consentOptions(m, values)
	if err != nil {
		return domain.ConsentStatus{}, err
	}
	if via != nil {
		opts = oauth.ConsentOptions{PKCE: opts.PKCE, AuthParams: opts.AuthParams, Handoff: true, RedirectURL: via.callback, DoneURL: via.done}
	}
	opts.Timeout, opts.Now, opts.AuthStyleLearned = s.timeout, s.now, learned
	if hold != nil {
		opts.DoneMessage = "Access granted. Return to Patchbay and select Validate Connection to finish re-authenticating. You can close this tab."
	}
	// The browser tab waits for done: it says "connected" only when the
	// connection was created or reauthorized, else it shows the same
	// message as the app.
	var connID string
	opts.Finish = func(ctx context.Context, tok *oauth2.Token) error {
		id, check, err := done(ctx, tok)
		if err != nil {
			return err
		}
		if check != nil {
			return &domain.Error{Code: domain.EValidation, Message: check.Message + " Nothing was changed.", Check: check}
		}
		connID = id
		return nil
	}
	if conn != "" {
		s.consents.start.Lock()
		defer s.consents.start.Unlock()
		s.cancelPending(conn)
	}
	c, err := oauth.StartConsent(*cfg, opts)
	if err != nil {
		return domain.ConsentStatus{}, err
	}
	run := &consentRun{consent: c, conn: conn, ended: make(chan struct{}), status: domain.ConsentStatus{ID: newID("consent"), State: domain.ConsentPending, AuthURL: c.AuthURL, RedirectURI: c.RedirectURI}}
	s.consents.mu.Lock()
	if s.consents.runs == nil {
		s.consents.runs = map[string]*consentRun{}
	}
	s.pruneConsents()
	s.consents.runs[run.status.ID] = run
	s.consents.mu.Unlock()
	// The consent completes in the background, tracked by Wait and cut
	// short when the service shuts down (its listener closes with it).
	s.spawn(func() {
		defer close(run.ended)
		st := domain.ConsentStatus{State: domain.ConsentDone}
		_, err := c.Wait(s.life)
		switch {
		case errors.Is(err, oauth.ErrConsentCancelled):
			st.State, st.Message = domain.ConsentCancelled, domain.Public(err).Message
		case err != nil:
			st.State, st.Message = domain.ConsentFailed, domain.Public(err).Message
			var de *domain.Error
			if errors.As(err, &de) {
				st.Check = de.Check
			}
		default:
			st.ConnectionID = connID // written before Wait returned (its channel orders it)
			if hold != nil {
				st.State = domain.ConsentAuthorized
				st.AuthorizedAs, st.Granted = hold.who()
			}
		}
		s.consents.mu.Lock()
		run.status.State, run.status.Message, run.status.Check, run.status.ConnectionID = st.State, st.Message, st.Check, st.ConnectionID
		run.status.AuthorizedAs, run.status.Granted = st.AuthorizedAs, st.Granted
		if st.State == domain.ConsentAuthorized {
			run.hold = hold
		}
		run.finished = s.now()
		s.consents.mu.Unlock()
		s.log.Info("consent finished", "consent", run.status.ID, "state", st.State)
		s.bus.Publish(events.ConsentChanged, events.ConsentRef{ID: run.status.ID, State: st.State})
	})
	return run.status, nil
}

// cancelPending cancels connection conn's pending consents and waits, at
// most replaceWait, until their listeners are closed.
func (s *Consents) cancelPending(conn string) {
	var prev []*consentRun
	s.consents.mu.Lock()
	for _, run := range s.consents.runs {
		if run.conn == conn && run.status.State == domain.ConsentPending {
			prev = append(prev, run)
		}
	}
	s.consents.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.life, replaceWait)
	defer cancel()
	for _, run := range prev {
		run.consent.Cancel()
		select {
		case <-run.ended:
		case <-ctx.Done():
			return
		}
	}
}

// ConsentCallback completes a handed-off consent with the provider's
// redirect to the portal's callback (routed by its state parameter) and
// returns the page the browser is shown; a state no consent is waiting for
// gets a page that says so. The portal's HTTP handler reads the redirect
// and writes the page (oauth.CallbackParamsOf, oauth.WriteCallbackPage).
func (s *Consents) ConsentCallback(ctx context.Context, p oauth.CallbackParams) oauth.CallbackPage {
	s.consents.mu.Lock()
	var found *oauth.Consent
	for _, run := range s.consents.runs {
		if run.status.State == domain.ConsentPending && p.State != "" && run.consent.State() == p.State {
			found = run.consent
			break
		}
	}
	s.consents.mu.Unlock()
	if found == nil {
		return oauth.CallbackPage{Unknown: true, Message: "This sign-in is no longer waiting. Go back to the portal and choose Reconnect again."}
	}
	return found.Complete(ctx, p)
}

// CompleteConsent is Validate Connection after a confirmed consent (state
// authorized): it validates the granted token with the provider again and
// only then makes it the connection's credential. On failure the old
// credential stays and the consent is failed with the check.
func (s *Consents) CompleteConsent(ctx context.Context, id string) (domain.Connection, error) {
	s.consents.mu.Lock()
	run, ok := s.consents.runs[id]
	if !ok {
		s.consents.mu.Unlock()
		return domain.Connection{}, domain.Errorf(domain.ENotFound, "This sign-in is no longer known. Start again.")
	}
	hold := run.hold
	if run.status.State != domain.ConsentAuthorized || hold == nil {
		state := run.status.State
		s.consents.mu.Unlock()
		return domain.Connection{}, domain.Errorf(domain.EConflict, "This re-authentication is not waiting for Validate Connection (it is %s). Start again.", state)
	}
	run.hold = nil // single use: a second click cannot apply it twice
	s.consents.mu.Unlock()

	hold.mu.Lock()
	tok := hold.tok
	hold.mu.Unlock()
	connID, err := hold.complete(ctx, tok)
	if errors.Is(err, errRetryValidate) {
		// A refresh held the connection's lock: nothing changed, and the
		// grant waits for Validate Connection again.
		s.consents.mu.Lock()
		if run.hold == nil && run.status.State == domain.ConsentAuthorized {
			run.hold = hold
		}
		s.consents.mu.Unlock()
		s.log.Info("consent validation postponed: a token refresh is still running", "consent", id)
		return domain.Connection{}, err
	}
	st := domain.ConsentStatus{State: domain.ConsentDone, ConnectionID: connID}
	if err != nil {
		st = domain.ConsentStatus{State: domain.ConsentFailed, Message: domain.Public(err).Message}
		var de *domain.Error
		if errors.As(err, &de) {
			st.Check = de.Check
		}
	}
	s.consents.mu.Lock()
	run.status.State, run.status.Message, run.status.Check, run.status.ConnectionID = st.State, st.Message, st.Check, st.ConnectionID
	s.consents.mu.Unlock()
	s.log.Info("consent validated", "consent", id, "state", st.State)
	s.bus.Publish(events.ConsentChanged, events.ConsentRef{ID: id, State: st.State})
	if err != nil {
		return domain.Connection{}, err
	}
	return s.store.GetConnection(ctx, connID)
}

// GetConsent returns a consent's current status.
func (s *Consents) GetConsent(ctx context.Context, id string) (domain.ConsentStatus, error) {
	s.consents.mu.Lock()
	defer s.consents.mu.Unlock()
	run, ok := s.consents.runs[id]
	if !ok {
		return domain.ConsentStatus{}, domain.Errorf(domain.ENotFound, "This sign-in is no longer known. Start again.")
	}
	return run.status, nil
}

// CancelConsent stops a pending consent.
func (s *Consents) CancelConsent(ctx context.Context, id string) error {
	s.consents.mu.Lock()
	run, ok := s.consents.runs[id]
	s.consents.mu.Unlock()
	if !ok {
		return domain.Errorf(domain.ENotFound, "This sign-in is no longer known.")
	}
	run.consent.Cancel()
	s.consents.mu.Lock()
	if run.status.State == domain.ConsentAuthorized {
		// The granted token is dropped unused: the old credential stays.
		run.hold = nil
		run.status.State, run.status.Message = domain.ConsentCancelled, "Re-authentication cancelled. The previous credential was kept."
	}
	s.consents.mu.Unlock()
	return nil
}

// oauthToken returns a fresh access token for an OAuth connection,
// refreshing it when it is about to expire.
func (s *Consents) oauthToken(ctx context.Context, c domain.Connection, m *providers.Mode, values map[string]string, force bool) (*oauth2.Token, error) {
	ctx, cfg := s.core.refreshConfig(ctx, c, m, values)
	if force {
		return s.refresher.Refresh(ctx, tokenKey(c), cfg)
	}
	return s.refresher.Token(ctx, tokenKey(c), cfg)
}

// DefaultRefreshBudget is how long a user-started "Refresh credential" tries
// the token endpoint (transient failures retried) before it answers.
const DefaultRefreshBudget = 15 * time.Second

// RefreshCredential renews an OAuth connection's access token now (the
// portal's and the Monitoring tab's "Refresh credential") and checks the
// connection with it. A connection whose grant is permanently broken cannot
// be refreshed: it must be reconnected. A token endpoint that keeps failing
// transiently within the budget answers EUnavailable: the token was not
// renewed (never the success text).
func (s *Consents) RefreshCredential(ctx context.Context, id string) (domain.Connection, error) {
	c, p, m, err := s.core.resolve(ctx, id)
	if err != nil {
		return domain.Connection{}, err
	}
	if m.OAuth == nil {
		return domain.Connection{}, domain.Errorf(domain.EInvalid, "This connection uses a token that cannot be refreshed; use Re-Authenticate to enter a new one.")
	}
	if c.Status == domain.StatusError || c.Status == domain.StatusRevoked {
		return domain.Connection{}, domain.Errorf(domain.EInvalid, "%s", domain.ErrCannotRefresh)
	}
	sec, err := s.core.getSecrets(ctx, secretKeyOf(c))
	if err != nil {
		return domain.Connection{}, err
	}
	rctx, cfg := s.core.refreshConfig(ctx, c, m, merged(c.Config, sec))
	_, err = s.refresher.RefreshWithin(rctx, tokenKey(c), cfg, s.refreshBudget)
	var de *domain.Error
	switch {
	case errors.As(err, &de) && de.Check != nil && de.Check.Class.Permanent():
		res := *de.Check
		res.CheckedAt = s.now().UTC()
		providers.Explain(&res, p)
		c.ApplyCheck(res)
		if _, err := s.core.saveCheck(ctx, c); err != nil {
			return domain.Connection{}, err
		}
		return domain.Connection{}, domain.Errorf(domain.EInvalid, "%s", domain.ErrCannotRefresh)
	case errors.As(err, &de) && de.Check != nil:
		return domain.Connection{}, domain.Errorf(domain.EUnavailable, "The provider did not renew the token (%s) The token was not renewed; the connection keeps its current one. Try again in a few minutes.", strings.TrimSpace(de.Check.Message))
	case errors.Is(err, context.DeadlineExceeded):
		return domain.Connection{}, domain.Errorf(domain.EUnavailable, "The provider did not answer within %s. The token was not renewed; the connection keeps its current one. Try again in a few minutes.", s.refreshBudget)
	case err != nil:
		return domain.Connection{}, err
	}
	c, err = s.core.check(ctx, c, false)
	if err != nil {
		return domain.Connection{}, err
	}
	if c.Status == domain.StatusError {
		return domain.Connection{}, domain.Errorf(domain.EInvalid, "%s", domain.ErrCannotRefresh)
	}
	return c, nil
}
