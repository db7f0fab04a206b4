package service

import (
	"context"

	"golang.org/x/oauth2"

	"patchbay/backend/domain"
	"patchbay/backend/oauth"
	"patchbay/backend/providers"
)

// refreshConfig is the x/oauth2 config of c's token refreshes and the
// context to refresh under. A Generic (Discovery) connection with a client
// secret and no recorded client authentication — made by the release that
// left it to x/oauth2's auto-detection, or with endpoints entered by hand —
// learns it at its next refresh (oauth.WhenAuthStyleLearned: Basic, the
// body only after invalid_client) and records the one that worked in its
// config, where discovery records it for new connections; later refreshes
// are one request in that style. Catalogue modes use their tokenAuth.
func (s *Service) refreshConfig(ctx context.Context, c domain.Connection, m *providers.Mode, values map[string]string) (context.Context, *oauth2.Config) {
	cfg := oauthConfig(m, c.BaseURL, values)
	if !markUnknownTokenAuth(cfg, m, values) {
		return ctx, cfg
	}
	id := c.ID
	return oauth.WhenAuthStyleLearned(ctx, func(ctx context.Context, method string) {
		set, err := s.store.SetConnectionConfigIfUnset(ctx, id, providers.ConfigTokenAuth, method, s.now().UTC())
		switch {
		case err != nil:
			s.log.Warn("client authentication not recorded; the next refresh learns it again", "connection", id, "method", method, "err", err)
		case set:
			s.log.Info("client authentication recorded", "connection", id, "method", method)
		}
	}), cfg
}

// markUnknownTokenAuth sets cfg's client authentication to
// oauth.AuthStyleUnknown, and says so, for a Generic (Discovery) connection
// with a client secret and no recorded method; its refreshes and its
// re-authorization's code exchange learn it (the same learning, in the oauth
// package). Other configs keep their style.
func markUnknownTokenAuth(cfg *oauth2.Config, m *providers.Mode, values map[string]string) bool {
	if v := values[providers.ConfigTokenAuth]; m.OAuth == nil || !m.OAuth.Discovery || cfg.ClientSecret == "" ||
		v == providers.TokenAuthBasic || v == providers.TokenAuthPost {
		return false
	}
	cfg.Endpoint.AuthStyle = oauth.AuthStyleUnknown
	return true
}
