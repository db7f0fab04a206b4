package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/oauth"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
)

// revokeTokens revokes an OAuth connection's stored tokens at the provider
// (RFC 7009): the refresh token first (which ends the grant and its access
// tokens), then the access token. It returns a sentence for the user saying
// what happened, and whether the provider confirmed the revocation.
func (s *Connections) revokeTokens(ctx context.Context, c domain.Connection, m *providers.Mode) (string, bool) {
	tok, err := (oauth.SecretTokens{Secrets: s.secrets}).LoadToken(ctx, tokenKey(c))
	if errors.Is(err, secrets.ErrNotFound) {
		return "No token was stored, so there was nothing to revoke at the provider.", true
	}
	if err != nil {
		return fmt.Sprintf("The stored token could not be read (%s), so it was not revoked at the provider: remove the app's access in the provider's account settings.", domain.Public(err).Message), false
	}
	sec, err := s.getSecrets(ctx, secretKeyOf(c))
	if err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return fmt.Sprintf("The client secret could not be read (%s), so the token was not revoked at the provider: remove the app's access in the provider's account settings.", domain.Public(err).Message), false
	}
	values := merged(c.Config, sec)
	endpoint := m.RevokeURL(c.BaseURL, values)
	if endpoint == "" {
		return "The provider has no revocation endpoint Patchbay knows, so the token was not revoked there: remove the app's access in the provider's account settings.", false
	}
	if _, err := providers.CheckEndpointURL("revocationUrl", endpoint); err != nil {
		return "The revocation URL is not valid (" + domain.Public(err).Message + "), so the token was not revoked at the provider.", false
	}
	cfg := oauthConfig(m, c.BaseURL, values)
	for _, t := range []struct{ tok, hint string }{{tok.RefreshToken, "refresh_token"}, {tok.AccessToken, "access_token"}} {
		if t.tok == "" {
			continue
		}
		if err := oauth.Revoke(ctx, nil, endpoint, cfg, t.tok, t.hint); err != nil {
			s.log.Warn("token revocation failed", "connection", c.ID, "hint", t.hint, "err", domain.Public(err).Message)
			return strings.TrimSuffix(domain.Public(err).Message, ".") + ". The token may still be valid: remove the app's access in the provider's account settings.", false
		}
	}
	return "The provider revoked the tokens.", true
}

// DisconnectConnection revokes an OAuth connection's tokens at the provider
// (RFC 7009) and keeps it as "revoked", with its history and OAuth client,
// until it is deleted or reconnected (Reauthorize). Linked connections share
// the token and are disconnected with it. The connection's last error says
// whether the provider confirmed the revocation.
func (s *Connections) DisconnectConnection(ctx context.Context, id string) (domain.Connection, error) {
	c, _, m, err := s.resolve(ctx, id)
	if err != nil {
		return domain.Connection{}, err
	}
	if m.OAuth == nil {
		return domain.Connection{}, domain.Errorf(domain.EInvalid, "Only OAuth connections can be disconnected. To stop using this token, delete the connection and revoke the token at the provider.")
	}
	if c.Status == domain.StatusRevoked {
		return c, nil
	}
	// Under the refresher's lock: a refresh in flight saves its token
	// first, and that newest token is the one revoked (revoking the one it
	// replaced would leave the new one live), recorded and deleted.
	var out domain.Connection
	err = s.refresher.WithLock(ctx, tokenKey(c), "disconnect", func(ctx context.Context) error {
		var err error
		out, err = s.disconnectLocked(ctx, c, m)
		return err
	})
	if errors.Is(err, oauth.ErrRefreshRunning) {
		return domain.Connection{}, domain.Errorf(domain.EUnavailable, "%s", refreshRunning+" The connection was not disconnected and its tokens were not revoked; try again in a minute.")
	}
	if err != nil {
		return domain.Connection{}, err
	}
	return out, nil
}

// refreshRunning starts the message of an action that gave up waiting for a
// refresh of the connection's token (oauth.ErrRefreshRunning).
const refreshRunning = "Another refresh of this connection's token is still running at the provider."

// disconnectLocked revokes c's tokens, records the disconnect on c and its
// linked connections and drops the token; the caller holds the token's
// refresh lock.
func (s *Connections) disconnectLocked(ctx context.Context, c domain.Connection, m *providers.Mode) (domain.Connection, error) {
	msg, confirmed := s.revokeTokens(ctx, c, m)
	members, err := s.groupMembers(ctx, c)
	if err != nil {
		return domain.Connection{}, err
	}
	now := s.now().UTC()
	res := domain.CheckResult{Class: domain.ClassRevoked, CheckedAt: now,
		Message: "Disconnected in Patchbay. " + msg + " Reauthorize to connect it again."}
	var out domain.Connection
	for _, x := range append([]domain.Connection{c}, members...) {
		saved, err := s.store.ChangeCredential(ctx, x.ID, func(x *domain.Connection) error {
			r := res
			x.LastCheckedAt, x.LastCheck, x.LastError = &now, &r, &r
			x.Status, x.StatusDescription = domain.StatusRevoked, domain.StatusRevoked.Description()
			x.TokenExpiresAt, x.UpdatedAt = nil, now
			return nil
		})
		if err != nil {
			return domain.Connection{}, fmt.Errorf("disconnect %s: %w", x.ID, err)
		}
		s.recordCheck(ctx, saved)
		s.log.Info("connection disconnected", "connection", x.ID, "revoked_at_provider", confirmed)
		s.core.audit(ctx, saved, domain.AuditDisconnected, OutcomeOK, msg)
		if confirmed && x.ID == c.ID {
			s.core.audit(ctx, saved, domain.AuditRevoked, OutcomeOK, "The provider revoked the tokens (RFC 7009).")
		}
		s.bus.Publish(events.ConnectionChanged, events.ConnectionRef{ID: x.ID})
		if x.ID == c.ID {
			out = saved
		}
	}
	// The token is useless now (or must not be used again): drop it. The
	// OAuth client stays for a reconnection with existing credentials.
	if err := s.secrets.Delete(ctx, tokenKey(c)); err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return domain.Connection{}, fmt.Errorf("delete token of connection %s: %w", c.ID, err)
	}
	return out, nil
}
