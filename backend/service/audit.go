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
