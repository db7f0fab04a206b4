package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sort"
	"sync"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/events"
)

// PortalSessionTTL is how long a portal session lasts.
const PortalSessionTTL = 2 * time.Hour

// MaxPortalSessions caps the sessions held in memory; past it the oldest
// ones end.
const MaxPortalSessions = 10000

// portalSessions are the client portal's sessions, owned by the service so
// archiving a client, revoking a link or "End sessions" ends them, and
// every portal request is checked against the client's current state.
type portalSessions struct {
	mu sync.Mutex
	m  map[string]*sessionEntry
	// consents binds each consent a client started in the portal to that
	// client and connection.
	consents map[string]portalConsent
}

// portalConsent is who started a consent from the portal, for what.
type portalConsent struct{ clientID, connectionID string }

// sessionEntry is one session; an ended one stays (until it would have
// expired) so its browser is told why it ended.
type sessionEntry struct {
	domain.PortalSession
	ended bool
}

// msgSessionEnded is the portal's answer to a session that is gone.
const msgSessionEnded = "Your portal session has ended. Open the link from your email again, or ask for a new one."

// msgLinkRetired answers a session whose client was archived or whose link
// was revoked.
const msgLinkRetired = "This link no longer works: your portal access was ended. Ask for a new link if you still need to reconnect."

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startPortalSession records a new session of a client opened by a request.
func (s *Clients) startPortalSession(client domain.Client, requestID string) domain.PortalSession {
	now := s.now().UTC()
	ps := domain.PortalSession{ID: randomHex(32), CSRF: randomHex(16), ClientID: client.ID, ClientName: client.Name,
		RequestID: requestID, CreatedAt: now, ExpiresAt: now.Add(PortalSessionTTL)}
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	if s.sessions.m == nil {
		s.sessions.m = map[string]*sessionEntry{}
	}
	s.pruneSessionsLocked(now)
	s.sessions.m[ps.ID] = &sessionEntry{PortalSession: ps}
	return ps
}

// pruneSessionsLocked drops expired sessions, then the oldest ones past the
// cap.
func (s *Clients) pruneSessionsLocked(now time.Time) {
	for id, ps := range s.sessions.m {
		if !now.Before(ps.ExpiresAt) {
			delete(s.sessions.m, id)
		}
	}
	if len(s.sessions.m) < MaxPortalSessions {
		return
	}
	all := make([]*sessionEntry, 0, len(s.sessions.m))
	for _, ps := range s.sessions.m {
		all = append(all, ps)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].CreatedAt.Before(all[j].CreatedAt) })
	for _, ps := range all[:len(all)-MaxPortalSessions+1] {
		delete(s.sessions.m, ps.ID)
	}
}

// PortalSession returns a live session by its cookie value, checked against
// the client and the link that opened it on every call: an expired session,
// an archived or deleted client and a revoked link all end it.
func (s *Clients) PortalSession(ctx context.Context, id string) (domain.PortalSession, error) {
	s.sessions.mu.Lock()
	e, ok := s.sessions.m[id]
	var ps domain.PortalSession
	ended := false
	if ok {
		ps, ended = e.PortalSession, e.ended
	}
	s.sessions.mu.Unlock()
	if ok && !ended && !s.now().Before(ps.ExpiresAt) {
		s.sessions.mu.Lock()
		first := !e.ended
		e.ended = true
		s.sessions.mu.Unlock()
		if first {
			s.portalSessionEnded(ctx, ps, "expired")
		}
	}
	if !ok || id == "" || !s.now().Before(ps.ExpiresAt) {
		return domain.PortalSession{}, domain.Errorf(domain.EUnauthorized, msgSessionEnded)
	}
	if ended {
		return domain.PortalSession{}, domain.Errorf(domain.EUnauthorized, msgLinkRetired)
	}
	client, err := s.store.GetClient(ctx, ps.ClientID)
	retired := err != nil || client.Archived
	if !retired {
		r, err := s.store.GetRequest(ctx, ps.RequestID)
		retired = err != nil || r.State == domain.RequestRevoked
	}
	if retired {
		s.endSessions(func(x domain.PortalSession) bool { return x.ID == id })
		return domain.PortalSession{}, domain.Errorf(domain.EUnauthorized, msgLinkRetired)
	}
	ps.ClientName = client.Name
	return ps, nil
}

// endSessions ends the live sessions match selects and returns how many.
func (s *Clients) endSessions(match func(domain.PortalSession) bool) int {
	s.sessions.mu.Lock()
	var ended []domain.PortalSession
	for _, e := range s.sessions.m {
		if !e.ended && match(e.PortalSession) {
			e.ended = true
			ended = append(ended, e.PortalSession)
		}
	}
	s.sessions.mu.Unlock()
	for _, ps := range ended {
		s.portalSessionEnded(context.Background(), ps, "ended: the client was archived or the link revoked")
	}
	return len(ended)
}

// ListPortalSessions lists a client's live portal sessions ("" for every
// client), oldest first; their cookies and CSRF tokens are not included.
func (s *Clients) ListPortalSessions(ctx context.Context, clientID string) ([]domain.PortalSession, error) {
	now := s.now()
	s.sessions.mu.Lock()
	s.pruneSessionsLocked(now)
	out := []domain.PortalSession{}
	for _, e := range s.sessions.m {
		if ps := e.PortalSession; !e.ended && (clientID == "" || ps.ClientID == clientID) {
			ps.ID, ps.CSRF = "", ""
			out = append(out, ps)
		}
	}
	s.sessions.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// EndPortalSessions ends every portal session of a client at once and
// returns how many ended.
func (s *Clients) EndPortalSessions(ctx context.Context, clientID string) (int, error) {
	if _, err := s.store.GetClient(ctx, clientID); err != nil {
		return 0, err
	}
	n := s.endSessions(func(ps domain.PortalSession) bool { return ps.ClientID == clientID })
	s.log.Info("portal sessions ended", "client", clientID, "count", n)
	s.bus.Publish(events.RequestChanged, events.RequestRef{})
	return n, nil
}

// bindPortalConsent records that a client started consent id for a
// connection (the service already cancelled the connection's previous
// pending consent). Bindings of consents the service no longer knows are
// dropped.
func (s *Clients) bindPortalConsent(ctx context.Context, id, clientID, connectionID string) {
	s.sessions.mu.Lock()
	if s.sessions.consents == nil {
		s.sessions.consents = map[string]portalConsent{}
	}
	s.sessions.consents[id] = portalConsent{clientID: clientID, connectionID: connectionID}
	ids := make([]string, 0, len(s.sessions.consents))
	for k := range s.sessions.consents {
		ids = append(ids, k)
	}
	s.sessions.mu.Unlock()
	for _, k := range ids {
		if _, err := s.core.GetConsent(ctx, k); err != nil {
			s.sessions.mu.Lock()
			delete(s.sessions.consents, k)
			s.sessions.mu.Unlock()
		}
	}
}

// portalConsentOf reports which client and connection started a portal
// consent (ok false: not started in the portal).
func (s *Clients) portalConsentOf(id string) (portalConsent, bool) {
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	b, ok := s.sessions.consents[id]
	return b, ok
}

// portalActor names a portal client as the actor of what follows in ctx.
func (s *Clients) portalActor(ctx context.Context, clientID string) context.Context {
	name := clientID
	if c, err := s.store.GetClient(ctx, clientID); err == nil {
		name = c.Name
	}
	return WithActor(ctx, "portal client "+name)
}

// portalSessionEnded records the end of a client's portal session, on the
// connection of the link that opened it.
func (s *Clients) portalSessionEnded(ctx context.Context, ps domain.PortalSession, why string) {
	ctx = s.portalActor(ctx, ps.ClientID)
	c := domain.Connection{}
	if r, err := s.store.GetRequest(ctx, ps.RequestID); err == nil {
		if got, err := s.store.GetConnection(ctx, r.ConnectionID); err == nil {
			c = got
		}
	}
	s.core.audit(ctx, c, domain.AuditPortalEnded, OutcomeOK, why)
}
