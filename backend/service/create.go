package service

import (
	"context"
	"fmt"

	"golang.org/x/oauth2"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/oauth"
)

// createConnections is the one way a connection comes into being (Create
// Connection, a completed consent, a completed OAuth 1.0a flow, a client's
// credential request). conns[0] owns the secret bundle (and the OAuth token
// when tok is set) that the others, its linked connections, share. The
// secret and the token are stored first, then every row in one transaction
// (all or none). When anything fails, what was stored is removed again on a
// context that the caller's cancellation does not reach: a client that
// disconnects mid-request leaves no secret without its connection.
func (s *Connections) createConnections(ctx context.Context, conns []domain.Connection, secretValues map[string]string, tok *oauth2.Token) error {
	head := conns[0]
	cleanup := func(token bool) {
		bg := context.WithoutCancel(ctx)
		if err := s.secrets.Delete(bg, secretKeyOf(head)); err != nil {
			s.log.Error("remove secret of unsaved connection", "connection", head.ID, "err", err)
		}
		if token {
			if err := s.secrets.Delete(bg, tokenKey(head)); err != nil {
				s.log.Error("remove token of unsaved connection", "connection", head.ID, "err", err)
			}
		}
	}
	if err := s.putSecrets(ctx, secretKeyOf(head), secretValues); err != nil {
		cleanup(false) // the keyring may have stored it before the caller gave up
		return err
	}
	if tok != nil {
		if err := (oauth.SecretTokens{Secrets: s.secrets}).SaveToken(ctx, tokenKey(head), tok); err != nil {
			cleanup(true)
			return err
		}
	}
	if err := s.store.CreateConnections(ctx, conns); err != nil {
		cleanup(tok != nil)
		return fmt.Errorf("create connection %s: %w", head.Label, err)
	}
	for _, x := range conns {
		s.log.Info("connection created", "connection", x.ID, "provider", x.Provider, "mode", x.AuthMode)
		detail := "validated: " + x.StatusDescription
		if x.Config[domain.ConfigAwaitingClient] != "" {
			detail = x.StatusDescription
		}
		s.core.audit(ctx, x, domain.AuditCreated, OutcomeOK, detail)
		s.recordCheck(ctx, x)
		s.bus.Publish(events.ConnectionChanged, events.ConnectionRef{ID: x.ID})
	}
	return nil
}
