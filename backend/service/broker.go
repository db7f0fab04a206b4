package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/providers"
)

// HandedToken is a credential handed to a local caller (patchbay token,
// patchbay git-credential): the secret itself, so it never goes to the UI,
// a log, the database or an export.
type HandedToken struct {
	ConnectionID string `json:"connectionId"`
	Label        string `json:"label"`
	Provider     string `json:"provider"`
	Token        string `json:"token"`
	// Type is "oauth2" for an access token, else the auth mode (pat, api_key, …).
	Type      string     `json:"type"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	Scopes    []string   `json:"scopes"`
	// Username is what git expects with this token over HTTPS (from the
	// catalogue; empty for providers git does not serve).
	Username string `json:"-"`
}

// FindConnection resolves a connection named by id or label (labels compare
// case-insensitively). An unknown or ambiguous name is EInvalid / ENotFound
// with a message that says what to pass instead.
func (s *Service) FindConnection(ctx context.Context, ref string) (domain.Connection, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return domain.Connection{}, domain.Errorf(domain.EInvalid, "Name a connection by its id or label.")
	}
	if c, err := s.store.GetConnection(ctx, ref); err == nil {
		return c, nil
	} else if domain.ErrorCode(err) != domain.ENotFound {
		return domain.Connection{}, err
	}
	all, err := s.store.ListConnections(ctx)
	if err != nil {
		return domain.Connection{}, err
	}
	var hits []domain.Connection
	for _, c := range all {
		if strings.EqualFold(c.Label, ref) {
			hits = append(hits, c)
		}
	}
	switch len(hits) {
	case 0:
		return domain.Connection{}, domain.Errorf(domain.ENotFound, "No connection has the id or label %q. 'patchbay check' lists them.", ref)
	case 1:
		return hits[0], nil
	}
	ids := make([]string, len(hits))
	for i, c := range hits {
		ids[i] = c.ID
	}
	return domain.Connection{}, domain.Errorf(domain.EInvalid, "%d connections are labelled %q; name one by its id: %s.", len(hits), ref, strings.Join(ids, ", "))
}

// needsReconnect is the error of a credential that cannot be handed out
// until someone reconnects it: the seed's sentence, why and what to do.
func needsReconnect(c domain.Connection, why string) error {
	msg := domain.StatusError.Description()
	if why != "" {
		msg += " " + why
	}
	verb := "Re-Authenticate"
	if c.Status == domain.StatusRevoked {
		msg = "Disconnected. This connection was disconnected in Patchbay."
		verb = "Reconnect"
	}
	msg += fmt.Sprintf(" Open Patchbay, go to the integration %q and use %s; then run this again.", c.Label, verb)
	return &domain.Error{Code: domain.EValidation, Message: msg}
}

// HandOutToken returns a fresh credential of the connection named by ref
// (id or label): an OAuth connection's access token, refreshed when it
// expires soon through the same single-flight, cross-process refresher the
// window uses (so a script can never cause refresh-token reuse), or the API
// key or PAT (for a pool, the working PAT with the most rate limit left).
// A connection that needs attention gives an EValidation error starting
// with "Reconnection needed." and saying what to do. The hand-out is
// recorded in the audit log (never the token).
func (s *Service) HandOutToken(ctx context.Context, ref string) (HandedToken, error) {
	c, err := s.FindConnection(ctx, ref)
	if err != nil {
		return HandedToken{}, err
	}
	t, err := s.handOut(ctx, c)
	s.auditHandOut(ctx, c, err)
	return t, err
}

func (s *Service) handOut(ctx context.Context, c domain.Connection) (HandedToken, error) {
	c, p, m, err := s.resolve(ctx, c.ID)
	if err != nil {
		return HandedToken{}, err
	}
	if c.Config[domain.ConfigAwaitingClient] != "" || c.Status == domain.StatusPending {
		return HandedToken{}, domain.Errorf(domain.EValidation, "This connection is waiting for validation or consent; it has no credential to hand out yet. Finish connecting it in Patchbay.")
	}
	if c.Status == domain.StatusError || c.Status == domain.StatusRevoked {
		why := ""
		if c.LastError != nil {
			why = c.LastError.Message
		}
		return HandedToken{}, needsReconnect(c, why)
	}
	out := HandedToken{ConnectionID: c.ID, Label: c.Label, Provider: c.Provider, Type: c.AuthMode,
		Scopes: nonNil(c.Scopes), ExpiresAt: c.TokenExpiresAt, Username: gitUsername(p, m, c)}
	sec, err := s.getSecrets(ctx, secretKeyOf(c))
	if err != nil {
		return HandedToken{}, fmt.Errorf("read the credential of %s: %w", c.ID, err)
	}
	values := merged(c.Config, sec)
	switch {
	case m.OAuth != nil:
		tok, err := s.oauthToken(ctx, c, m, values, false)
		var de *domain.Error
		if errors.As(err, &de) && de.Check != nil {
			// The refresh failed: record it as the window's check would.
			res := *de.Check
			res.CheckedAt = s.now().UTC()
			providers.Explain(&res, p)
			c.ApplyCheck(res)
			if _, serr := s.saveCheck(ctx, c); serr != nil {
				s.log.Error("record failed refresh", "connection", c.ID, "err", serr)
			}
			if res.Class.Permanent() {
				return HandedToken{}, needsReconnect(c, res.Message)
			}
			return HandedToken{}, &domain.Error{Code: domain.EUnavailable, Message: res.Message + " Try again later; the token was not refreshed."}
		}
		if err != nil {
			return HandedToken{}, err
		}
		out.Token, out.Type, out.ExpiresAt = tok.AccessToken, "oauth2", expiry(tok)
	case m.AppToken != nil:
		// GitHub App: an installation token minted from the app's private
		// key (which itself is never handed out).
		tok, res := s.validator.InstallationToken(ctx, providers.Target{Provider: p, Mode: m, BaseURL: c.BaseURL, Values: values})
		if res != nil {
			if res.Class.Permanent() {
				return HandedToken{}, needsReconnect(c, res.Message)
			}
			return HandedToken{}, &domain.Error{Code: domain.EUnavailable, Message: res.Message + " Try again later."}
		}
		out.Token, out.Type = tok, "github_app_installation"
	case m.OAuth1 != nil:
		return HandedToken{}, domain.Errorf(domain.EInvalid, "%q signs each request with OAuth 1.0a; it has no token to hand out.", c.Label)
	case strings.HasPrefix(m.Auth.Value, "JWT "):
		return HandedToken{}, domain.Errorf(domain.EInvalid, "%q signs each request with a JWT made from its shared secret; it has no token to hand out.", c.Label)
	default:
		f, ok := secretField(m)
		if !ok {
			return HandedToken{}, domain.Errorf(domain.EInvalid, "%q has no token to hand out.", c.Label)
		}
		v := sec[f.Key]
		if f.Multiple {
			pool := splitPool(v)
			i := PickCredential(c.Credentials)
			if i < 0 || i >= len(pool) {
				if len(c.Credentials) > 0 {
					return HandedToken{}, needsReconnect(c, "No "+f.Label+" of this connection passed its last check.")
				}
				i = 0
			}
			v = pool[i]
		}
		if v == "" {
			return HandedToken{}, needsReconnect(c, "The stored credential is empty.")
		}
		out.Token = v
	}
	return out, nil
}

// secretField is the mode's token field: the first secret field.
func secretField(m *providers.Mode) (providers.Field, bool) {
	for _, f := range m.Fields {
		if f.Secret() {
			return f, true
		}
	}
	return providers.Field{}, false
}
