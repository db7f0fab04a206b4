package service

import (
	"context"
	"strings"

	"patchbay/backend/domain"
	"patchbay/backend/events"
)

// Audit action and outcome names used by this package.
const (
	ActionCredentialRejected = domain.AuditCredentialRejected
	OutcomeOK                = domain.OutcomeOK
	OutcomeFailed            = domain.OutcomeFailed
)

type actorKey struct{}

// WithActor returns ctx carrying who acts (the audit log's actor): a CLI
// command and its caller, a portal client. Without it, the service's own
// actor (Options.Actor: "window" or "serve") is recorded.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// actorOf is who acts in ctx.
func (s *Service) actorOf(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return s.actor
}

// audit records one credential event of c. It is best effort: a failure is
// logged, never returned (the operation itself succeeded or failed on its
// own). detail must never contain a secret.
func (s *Service) audit(ctx context.Context, c domain.Connection, action, outcome, detail string) {
	e := domain.AuditEvent{At: s.now().UTC(), ConnectionID: c.ID, ConnectionLabel: c.Label, Provider: c.Provider,
		Action: action, Outcome: outcome, Actor: s.actorOf(ctx), Detail: detail}
	// Record even when the caller's context was cancelled (the event happened).
	if err := s.store.AddAudit(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("record audit event", "connection", c.ID, "action", action, "err", err)
		return
	}
	s.bus.Publish(events.AuditChanged, struct{}{})
}

// auditHandOut records a token hand-out (patchbay token, git-credential).
func (s *Service) auditHandOut(ctx context.Context, c domain.Connection, err error) {
	if err != nil {
		s.audit(ctx, c, domain.AuditTokenHandedOut, OutcomeFailed, domain.Public(err).Message)
		return
	}
	s.audit(ctx, c, domain.AuditTokenHandedOut, OutcomeOK, "")
}

// ListAudit returns the audit log, newest first, filtered by f.
func (s *Service) ListAudit(ctx context.Context, f domain.AuditFilter) ([]domain.AuditEvent, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	f.Actor = strings.TrimSpace(f.Actor)
	return s.store.ListAudit(ctx, f)
}

// auditCheck records a check that changed a connection's status (or its
// first one): a sweep every 15 minutes of unchanged connections would only
// bury the events that matter.
func (s *Service) auditCheck(ctx context.Context, prev, c domain.Connection) {
	if prev.ID != "" && prev.Status == c.Status && prev.Interrupted() == c.Interrupted() {
		return
	}
	outcome, detail := OutcomeOK, c.StatusDescription
	if c.LastError != nil && c.Status != domain.StatusActive {
		outcome, detail = OutcomeFailed, c.LastError.Message
	} else if c.Interrupted() {
		outcome, detail = domain.OutcomeTransient, c.LastError.Message
	}
	if prev.ID != "" && prev.Status != "" {
		detail = string(prev.Status) + " → " + string(c.Status) + ": " + detail
	}
	s.audit(ctx, c, domain.AuditValidated, outcome, detail)
}

// auditRefresh records an OAuth refresh (oauth.Refresher.Observe): which
// connection's token, whether the provider rotated the refresh token, and
// a failure's class (transient or permanent).
func (s *Service) auditRefresh(ctx context.Context, key string, rotated bool, failed *domain.CheckResult) {
	c, ok := s.tokenOwner(ctx, key)
	if !ok {
		return
	}
	switch {
	case failed == nil && rotated:
		s.audit(ctx, c, domain.AuditRefreshed, OutcomeOK, "refresh token rotated")
	case failed == nil:
		s.audit(ctx, c, domain.AuditRefreshed, OutcomeOK, "")
	case failed.Class.Permanent():
		s.audit(ctx, c, domain.AuditRefreshFailed, OutcomeFailed, "permanent ("+string(failed.Class)+"): "+failed.Message)
	default:
		s.audit(ctx, c, domain.AuditRefreshFailed, domain.OutcomeTransient, "transient ("+string(failed.Class)+"): "+failed.Message)
	}
}

// tokenOwner is the connection whose OAuth token is stored under key (for a
// linked group, its first member).
func (s *Service) tokenOwner(ctx context.Context, key string) (domain.Connection, bool) {
	id := strings.TrimPrefix(key, "oauth-token/")
	if c, err := s.store.GetConnection(ctx, id); err == nil {
		return c, true
	}
	all, err := s.store.ListConnections(ctx)
	if err != nil {
		return domain.Connection{}, false
	}
	for _, c := range all {
		if c.Config[GroupKey] == id {
			return c, true
		}
	}
	return domain.Connection{}, false
}
