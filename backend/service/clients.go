package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/portal"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
)

// DefaultRequestTTL is how long a reconnection link stays valid.
const DefaultRequestTTL = 7 * 24 * time.Hour

const portalKeyName = "portal/hmac-key"

// Clients is the clients-and-portal part of the service: the team's
// clients, who owns a connection, signed reconnection links and requests
// for credentials, and the client portal's sessions and actions. Its
// methods are the Service's (embedded), so the bindings and the HTTP
// method list are unchanged.
type Clients struct {
	store     clientStore
	secrets   secrets.Store // holds the portal's link-signing key
	catalogue *providers.Catalogue
	bus       *events.Bus
	log       *slog.Logger
	now       domain.Clock
	core      clientsCore
	sessions  portalSessions
	signerMu  sync.Mutex
	signerKey []byte // the portal's link-signing key, once loaded
	// signerWait is when, after a failed read of the key, link visitors
	// may cause the next (until then they get errSignerWait).
	signerWait time.Time
}

// signerRetry is how long after a failed read of the signing key a link's
// visitor does not cause another (each may ask the user to unlock the
// keyring).
const signerRetry = time.Minute

var errSignerWait = errors.New("the portal's signing key is unavailable")

// clientStore is what Clients needs from the database.
type clientStore interface {
	GetClient(ctx context.Context, id string) (domain.Client, error)
	ListClients(ctx context.Context) ([]domain.Client, error)
	SaveClient(ctx context.Context, c domain.Client) error
	GetRequest(ctx context.Context, id string) (domain.ReconnectRequest, error)
	ListRequests(ctx context.Context, clientID string) ([]domain.ReconnectRequest, error)
	SaveRequest(ctx context.Context, r domain.ReconnectRequest) error
	UseRequest(ctx context.Context, id string, at time.Time) (bool, error)
	GetConnection(ctx context.Context, id string) (domain.Connection, error)
	ListConnections(ctx context.Context) ([]domain.Connection, error)
	SetConnectionOwner(ctx context.Context, id, owner string, at time.Time) error
}

// clientsCore is what Clients uses of the rest of the service: the audit
// log, linked groups, the portal address from Settings, consents and
// reauthorization, and creating connections.
type clientsCore interface {
	audit(ctx context.Context, c domain.Connection, action, outcome, detail string)
	groupMembers(ctx context.Context, c domain.Connection) ([]domain.Connection, error)
	portalBase(ctx context.Context, fallback string) string
	GetConsent(ctx context.Context, id string) (domain.ConsentStatus, error)
	ReauthorizeConnection(ctx context.Context, id string, in domain.ReauthorizeDraft) (domain.ConsentStatus, error)
	reauthorize(ctx context.Context, id string, in domain.ReauthorizeDraft, via *handoff) (domain.ConsentStatus, error)
	RefreshCredential(ctx context.Context, id string) (domain.Connection, error)
	prepareMode(ctx context.Context, in domain.ConnectionDraft, allowOAuth bool) (draft, error)
	checkWorkspaces(ctx context.Context, ids []string) ([]string, error)
	createConnections(ctx context.Context, conns []domain.Connection, secrets map[string]string, tok *oauth2.Token) error
}

// CreateClient adds a client.
func (s *Clients) CreateClient(ctx context.Context, name string) (domain.Client, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return domain.Client{}, domain.FieldError("name", "Enter the client's name.")
	}
	c := domain.Client{ID: newID("cli"), Name: name, CreatedAt: s.now().UTC()}
	return c, s.store.SaveClient(ctx, c)
}

// RenameClient renames a client.
func (s *Clients) RenameClient(ctx context.Context, id, name string) (domain.Client, error) {
	c, err := s.store.GetClient(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Name = strings.TrimSpace(name); c.Name == "" {
		return c, domain.FieldError("name", "Enter the client's name.")
	}
	return c, s.store.SaveClient(ctx, c)
}

// ArchiveClient archives (or restores) a client; an archived client's links
// stop working.
func (s *Clients) ArchiveClient(ctx context.Context, id string, archived bool) (domain.Client, error) {
	c, err := s.store.GetClient(ctx, id)
	if err != nil {
		return c, err
	}
	c.Archived = archived
	if err := s.store.SaveClient(ctx, c); err != nil {
		return c, err
	}
	if archived {
		n := s.endSessions(func(ps domain.PortalSession) bool { return ps.ClientID == c.ID })
		s.log.Info("client archived", "client", c.ID, "portal_sessions_ended", n)
	}
	return c, nil
}

// ListClients returns every client.
func (s *Clients) ListClients(ctx context.Context) ([]domain.Client, error) {
	return s.store.ListClients(ctx)
}

// SetConnectionOwner hands a connection to a client ("" gives it back to
// the team). Connections that share one credential (a linked group such as
// Azure DevOps Boards, Repos and Pipelines) have one owner: the whole group
// moves, so a client's consent can never replace a token someone else uses.
func (s *Clients) SetConnectionOwner(ctx context.Context, connectionID, clientID string) (domain.Connection, error) {
	c, err := s.store.GetConnection(ctx, connectionID)
	if err != nil {
		return c, err
	}
	owner := domain.OwnerTeam
	if clientID != "" {
		if _, err := s.store.GetClient(ctx, clientID); err != nil {
			return c, err
		}
		owner = clientID
	}
	members, err := s.core.groupMembers(ctx, c)
	if err != nil {
		return c, err
	}
	now := s.now().UTC()
	for _, x := range append([]domain.Connection{c}, members...) {
		if err := s.store.SetConnectionOwner(ctx, x.ID, owner, now); err != nil {
			return c, err
		}
		s.bus.Publish(events.ConnectionChanged, events.ConnectionRef{ID: x.ID})
	}
	if len(members) > 0 {
		s.log.Info("linked group owner set", "connection", c.ID, "owner", owner, "members", len(members)+1)
	}
	return s.store.GetConnection(ctx, c.ID)
}

// portalGroupOwned refuses a portal action on a connection whose shared
// credential other owners' connections use too (a group split before
// ownership moved with the group).
func (s *Clients) portalGroupOwned(ctx context.Context, c domain.Connection) error {
	members, err := s.core.groupMembers(ctx, c)
	if err != nil {
		return err
	}
	for _, x := range members {
		if x.Owner != c.Owner {
			return domain.Errorf(domain.EConflict, "%s shares its sign-in with connections you do not own, so it cannot be changed here. Ask the team that sent you the link to reconnect it.", c.Label)
		}
	}
	return nil
}

// signer returns the portal's HMAC signer. Its key lives in the secret
// store; it is read (or created, if absent) once per process under a lock,
// so concurrent first uses agree on one key and anonymous link requests
// never reach the keyring once it is loaded; while it cannot be read, a
// visitor causes at most one read per signerRetry.
func (s *Clients) signer(ctx context.Context, visitor bool) (portal.Signer, error) {
	s.signerMu.Lock()
	defer s.signerMu.Unlock()
	if s.signerKey != nil {
		return portal.Signer{Key: s.signerKey}, nil
	}
	if visitor && s.now().Before(s.signerWait) {
		return portal.Signer{}, errSignerWait
	}
	key, err := s.secrets.Get(ctx, portalKeyName)
	if errors.Is(err, secrets.ErrNotFound) {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		key = hex.EncodeToString(b)
		err = s.secrets.Set(ctx, portalKeyName, key)
	}
	if err != nil {
		s.signerWait = s.now().Add(signerRetry)
		return portal.Signer{}, fmt.Errorf("portal signing key: %w", err)
	}
	s.signerKey = []byte(key)
	return portal.Signer{Key: s.signerKey}, nil
}

// CreateReconnectRequest creates a signed, expiring, single-use link for a
// client-owned connection and a prepared email. The link starts with the
// public base URL from Settings, else the portal address, else baseURL (the
// address the operator uses in patchbay serve).
func (s *Clients) CreateReconnectRequest(ctx context.Context, connectionID, baseURL string) (domain.ReconnectRequest, error) {
	c, err := s.store.GetConnection(ctx, connectionID)
	if err != nil {
		return domain.ReconnectRequest{}, err
	}
	client, err := s.store.GetClient(ctx, c.Owner)
	if err != nil {
		return domain.ReconnectRequest{}, domain.Errorf(domain.EConflict, "%s belongs to the team, not a client. Assign it to a client first.", c.Label)
	}
	if client.Archived {
		return domain.ReconnectRequest{}, domain.Errorf(domain.EConflict, "%s is archived. Restore the client first.", client.Name)
	}
	sg, err := s.signer(ctx, false)
	if err != nil {
		return domain.ReconnectRequest{}, err
	}
	base := s.core.portalBase(ctx, strings.TrimRight(baseURL, "/"))
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return domain.ReconnectRequest{}, domain.Errorf(domain.EConflict, "Clients open this link in their own browser: set the client portal's address in Settings first, so it points at a portal they can reach.")
	}
	now := s.now().UTC()
	r := domain.ReconnectRequest{ID: newID("req"), ClientID: client.ID, ConnectionID: c.ID, State: domain.RequestPending, CreatedAt: now, ExpiresAt: now.Add(DefaultRequestTTL)}
	if err := s.store.SaveRequest(ctx, r); err != nil {
		return r, err
	}
	r.URL = base + "/portal/r/" + sg.Sign(r.ID, r.ExpiresAt)
	subject, ask, action := "Please reconnect "+c.Label, "Your "+c.Label+" connection needs to be reconnected", "Reconnect"
	if c.Config[domain.ConfigAwaitingClient] != "" {
		subject, ask, action = "Please connect "+c.Label, "We would like you to connect "+c.Label+" for us", "Connect"
	}
	body := fmt.Sprintf("Hello %s,\n\n%s. Open this link, then choose %s and approve access at the provider:\n\n%s\n\nThe link works once and expires on %s. You will never be asked for a password or token.\n",
		client.Name, ask, action, r.URL, r.ExpiresAt.Format("2 Jan 2006"))
	r.Mailto = "mailto:?subject=" + url.PathEscape(subject) + "&body=" + url.PathEscape(body)
	s.core.audit(ctx, c, domain.AuditLinkCreated, OutcomeOK, "for client "+client.Name+", expires "+r.ExpiresAt.Format("2 Jan 2006"))
	s.bus.Publish(events.RequestChanged, events.RequestRef{ID: r.ID, State: r.State})
	return r, nil
}

// RequestCredentials asks a client to connect an integration that does not
// exist yet: it saves it as pending (owned by the client, with the team's
// OAuth client but no token, never checked) and returns a signed link like a
// reconnection request. The client's consent in the portal creates the
// token; only consent modes qualify, so the client never types a secret.
func (s *Clients) RequestCredentials(ctx context.Context, in domain.RequestCredentialsDraft) (domain.ReconnectRequest, error) {
	client, err := s.store.GetClient(ctx, in.ClientID)
	if err != nil {
		return domain.ReconnectRequest{}, domain.FieldError("clientId", "Choose the client who should connect it.")
	}
	if client.Archived {
		return domain.ReconnectRequest{}, domain.Errorf(domain.EConflict, "%s is archived. Restore the client first.", client.Name)
	}
	d, err := s.core.prepareMode(ctx, in.Draft, true)
	if err != nil {
		return domain.ReconnectRequest{}, err
	}
	if d.mode.OAuth == nil {
		return domain.ReconnectRequest{}, domain.FieldError("authMode", "Choose a way of connecting by consent (OAuth): a client is never asked to type a token.")
	}
	wsIDs, err := s.core.checkWorkspaces(ctx, in.Draft.WorkspaceIDs)
	if err != nil {
		return domain.ReconnectRequest{}, err
	}
	if err := discoverEndpoints(ctx, d.mode, d.config); err != nil {
		return domain.ReconnectRequest{}, err
	}
	if _, err := consentOptions(d.mode, d.values()); err != nil {
		return domain.ReconnectRequest{}, err
	}
	now := s.now().UTC()
	d.config[domain.ConfigAwaitingClient] = "1"
	c := domain.Connection{ID: newID("conn"), Provider: d.provider.ID, AuthMode: d.mode.ID, Label: d.label, Owner: client.ID,
		WorkspaceIDs: wsIDs, BaseURL: d.baseURL, Config: d.config, Status: domain.StatusPending,
		StatusDescription: "Waiting for " + client.Name + " to connect it.", CreatedAt: now, UpdatedAt: now}
	if err := s.core.createConnections(ctx, []domain.Connection{c}, d.secrets, nil); err != nil {
		return domain.ReconnectRequest{}, err
	}
	s.log.Info("credentials requested", "connection", c.ID, "client", client.ID, "provider", c.Provider)
	return s.CreateReconnectRequest(ctx, c.ID, in.BaseURL)
}

// RevokeRequest revokes a reconnection link: an unopened link stops
// working, and the portal sessions an opened one started end at once.
func (s *Clients) RevokeRequest(ctx context.Context, id string) error {
	r, err := s.store.GetRequest(ctx, id)
	if err != nil {
		return err
	}
	if r.State == domain.RequestRevoked {
		return domain.Errorf(domain.EConflict, "This link is already revoked.")
	}
	r.State = domain.RequestRevoked
	if err := s.store.SaveRequest(ctx, r); err != nil {
		return err
	}
	n := s.endSessions(func(ps domain.PortalSession) bool { return ps.RequestID == r.ID })
	s.log.Info("reconnection link revoked", "request", r.ID, "portal_sessions_ended", n)
	s.bus.Publish(events.RequestChanged, events.RequestRef{ID: r.ID, State: r.State})
	return nil
}

// ListRequests returns a client's reconnection requests ("" for all).
func (s *Clients) ListRequests(ctx context.Context, clientID string) ([]domain.ReconnectRequest, error) {
	list, err := s.store.ListRequests(ctx, clientID)
	now := s.now()
	for i := range list {
		if list[i].State == domain.RequestPending && now.After(list[i].ExpiresAt) {
			list[i].State = domain.RequestExpired
		}
	}
	return list, err
}

// checkLink verifies a link's token and returns its request and client if
// the link can still be opened; it changes nothing.
func (s *Clients) checkLink(ctx context.Context, token string) (domain.ReconnectRequest, domain.Client, error) {
	sg, err := s.signer(ctx, true)
	if err != nil {
		return domain.ReconnectRequest{}, domain.Client{}, err
	}
	id, err := sg.Verify(token, s.now())
	if err != nil {
		return domain.ReconnectRequest{}, domain.Client{}, domain.Errorf(domain.EUnauthorized, "%s", strings.ToUpper(err.Error()[:1])+err.Error()[1:]+".")
	}
	r, err := s.store.GetRequest(ctx, id)
	if err != nil {
		return r, domain.Client{}, domain.Errorf(domain.EUnauthorized, "This link is not valid; ask for a new one.")
	}
	client, err := s.store.GetClient(ctx, r.ClientID)
	if err != nil || client.Archived {
		return r, client, domain.Errorf(domain.EUnauthorized, "This link is no longer active; ask for a new one.")
	}
	if r.State == domain.RequestRevoked {
		return r, client, domain.Errorf(domain.EUnauthorized, "This link was revoked; ask for a new one.")
	}
	if r.UsedAt != nil || r.State != domain.RequestPending {
		return r, client, domain.Errorf(domain.EUnauthorized, "This link was already used. Ask for a new one if you need to reconnect again.")
	}
	return r, client, nil
}

// PreviewRequest checks a reconnection link without using it and names its
// client, for the "Continue as …" page (a GET or HEAD of the link, which
// mail scanners and link previews also send, changes nothing).
func (s *Clients) PreviewRequest(ctx context.Context, token string) (domain.PortalLink, error) {
	_, client, err := s.checkLink(ctx, token)
	if err != nil {
		return domain.PortalLink{}, err
	}
	return domain.PortalLink{ClientName: client.Name}, nil
}

// OpenRequest redeems a reconnection link: a valid, unexpired, unused,
// unrevoked token of an active client starts a portal session of that
// client, once.
func (s *Clients) OpenRequest(ctx context.Context, token string) (domain.PortalSession, error) {
	r, client, err := s.checkLink(ctx, token)
	if err != nil {
		return domain.PortalSession{}, err
	}
	ok, err := s.store.UseRequest(ctx, r.ID, s.now())
	if err != nil {
		return domain.PortalSession{}, err
	}
	if !ok {
		if c, err := s.store.GetConnection(ctx, r.ConnectionID); err == nil {
			s.core.audit(WithActor(ctx, "portal client "+client.Name), c, domain.AuditLinkOpened, OutcomeFailed, "the link was already used")
		}
		return domain.PortalSession{}, domain.Errorf(domain.EUnauthorized, "This link was already used. Ask for a new one if you need to reconnect again.")
	}
	ps := s.startPortalSession(client, r.ID)
	s.log.Info("reconnection link opened", "request", r.ID, "client", client.ID)
	if c, err := s.store.GetConnection(ctx, r.ConnectionID); err == nil {
		actx := WithActor(ctx, "portal client "+client.Name)
		s.core.audit(actx, c, domain.AuditLinkOpened, OutcomeOK, "")
		s.core.audit(actx, c, domain.AuditPortalStarted, OutcomeOK, "")
	}
	s.bus.Publish(events.RequestChanged, events.RequestRef{ID: r.ID, State: domain.RequestOpened})
	return ps, nil
}

// PortalCookieSecure reports whether the portal's session cookie must be
// Secure: the public base URL clients use is https.
func (s *Clients) PortalCookieSecure(ctx context.Context) bool {
	return strings.HasPrefix(s.core.portalBase(ctx, ""), "https://")
}

// portalConnection loads a connection only if the client owns it; anything
// else is "not found" so a client learns nothing about others.
func (s *Clients) portalConnection(ctx context.Context, clientID, id string) (domain.Connection, error) {
	c, err := s.store.GetConnection(ctx, id)
	if err != nil || clientID == "" || c.Owner != clientID {
		return domain.Connection{}, domain.Errorf(domain.ENotFound, "Connection not found.")
	}
	return c, nil
}

// PortalConnections lists the client's own connections.
func (s *Clients) PortalConnections(ctx context.Context, clientID string) ([]domain.PortalConnection, error) {
	all, err := s.store.ListConnections(ctx)
	if err != nil {
		return nil, err
	}
	out := []domain.PortalConnection{}
	for _, c := range all {
		if clientID == "" || c.Owner != clientID {
			continue
		}
		name := c.Provider
		if p, ok := s.catalogue.Provider(c.Provider); ok {
			name = p.Name
		}
		_, m, err := s.providerMode(c)
		oauthMode := err == nil && m.OAuth != nil
		pc := domain.PortalConnection{ID: c.ID, Label: c.Label, Provider: name, Status: c.Status,
			Description: c.Status.Description(), CanRefresh: oauthMode}
		if c.Config[domain.ConfigAwaitingClient] != "" {
			pc.AwaitingClient, pc.CanRefresh, pc.Description = true, false, "Waiting for you to connect it."
		}
		out = append(out, pc)
	}
	return out, nil
}

// PortalRefresh is the portal's Refresh credential.
func (s *Clients) PortalRefresh(ctx context.Context, clientID, id string) (domain.PortalConnection, error) {
	ctx = s.portalActor(ctx, clientID)
	own, err := s.portalConnection(ctx, clientID, id)
	if err != nil {
		return domain.PortalConnection{}, err
	}
	if err := s.portalGroupOwned(ctx, own); err != nil {
		return domain.PortalConnection{}, err
	}
	c, err := s.core.RefreshCredential(ctx, id)
	if err != nil {
		return domain.PortalConnection{}, err
	}
	s.markRequests(ctx, c)
	return domain.PortalConnection{ID: c.ID, Label: c.Label, Status: c.Status, Description: c.Status.Description(), CanRefresh: true}, nil
}

// PortalReconnect starts consent for the client's own connection. A
// connection has one pending consent: a second click replaces the first
// (reauthorize cancels it and waits for its listener to close).
func (s *Clients) PortalReconnect(ctx context.Context, clientID, id string) (domain.ConsentStatus, error) {
	own, err := s.portalConnection(ctx, clientID, id)
	if err != nil {
		return domain.ConsentStatus{}, err
	}
	if err := s.portalGroupOwned(ctx, own); err != nil {
		return domain.ConsentStatus{}, err
	}
	var st domain.ConsentStatus
	// With a public address, the provider sends the client back to the
	// portal itself (register {base}/portal/oauth/callback with the app).
	if base := s.core.portalBase(ctx, ""); base != "" {
		st, err = s.core.reauthorize(ctx, id, domain.ReauthorizeDraft{}, &handoff{callback: base + PortalCallbackPath, done: base + "/portal/connections?connected=" + url.QueryEscape(id)})
	} else {
		st, err = s.core.ReauthorizeConnection(ctx, id, domain.ReauthorizeDraft{})
	}
	if err != nil {
		return st, err
	}
	s.bindPortalConsent(ctx, st.ID, clientID, id)
	return st, nil
}

// PortalCallbackPath is where providers send clients back to the portal.
const PortalCallbackPath = "/portal/oauth/callback"

// PortalConsent returns a consent's status to the client that started it
// in the portal, for a connection it still owns; any other consent is "not
// found".
func (s *Clients) PortalConsent(ctx context.Context, clientID, consentID string) (domain.ConsentStatus, error) {
	b, ok := s.portalConsentOf(consentID)
	if !ok || b.clientID != clientID {
		return domain.ConsentStatus{}, domain.Errorf(domain.ENotFound, "This sign-in is no longer known. Start again.")
	}
	c, err := s.portalConnection(ctx, clientID, b.connectionID)
	if err != nil {
		return domain.ConsentStatus{}, err
	}
	st, err := s.core.GetConsent(ctx, consentID)
	if err != nil {
		return st, err
	}
	if st.ConnectionID != "" {
		if c, err = s.store.GetConnection(ctx, c.ID); err == nil {
			s.markRequests(ctx, c)
		}
	}
	return domain.ConsentStatus{ID: st.ID, State: st.State, Message: st.Message, ConnectionID: st.ConnectionID}, nil
}

// markRequests moves the connection's opened requests along as the client
// progresses (the operator watches them live).
func (s *Clients) markRequests(ctx context.Context, c domain.Connection) {
	list, err := s.store.ListRequests(ctx, c.Owner)
	if err != nil {
		return
	}
	for _, r := range list {
		if r.ConnectionID == c.ID && (r.State == domain.RequestOpened || r.State == domain.RequestConsent) && c.Status == domain.StatusActive {
			r.State = domain.RequestActive
			if s.store.SaveRequest(ctx, r) == nil {
				s.bus.Publish(events.RequestChanged, events.RequestRef{ID: r.ID, State: r.State})
			}
		}
	}
}

func (s *Clients) providerMode(c domain.Connection) (string, *providers.Mode, error) {
	p, ok := s.catalogue.Provider(c.Provider)
	if !ok {
		return "", nil, errors.New("unknown provider")
	}
	m, ok := p.Mode(c.AuthMode)
	if !ok {
		return "", nil, errors.New("unknown mode")
	}
	return p.Name, m, nil
}
