package service

import (
	"context"
	"net"
	"net/url"
	"sort"
	"strings"

	"patchbay/backend/domain"
	"patchbay/backend/events"
	"patchbay/backend/providers"
)

// Connection settings (in Connection.Config) of the git credential helper.
const (
	// ConfigGitScope is the host and optional path prefix whose git
	// remotes a connection serves ("github.com/acme", "gitlab.example.com").
	// Empty: the provider's default (its git host, or the base URL's).
	ConfigGitScope = "gitScope"
	// ConfigGitUsername overrides the catalogue's git username.
	ConfigGitUsername = "gitUsername"
)

// GitRequest is the part of a git credential request (gitcredentials(7))
// Patchbay matches a connection with.
type GitRequest struct {
	Protocol string
	Host     string // host[:port]
	Path     string // sent only with credential.useHttpPath
}

// gitUsername is the username git sends with the connection's token.
func gitUsername(_ *providers.Provider, m *providers.Mode, c domain.Connection) string {
	if u := strings.TrimSpace(c.Config[ConfigGitUsername]); u != "" {
		return u
	}
	return m.GitUsername
}

// GitScope returns the host and path prefix a connection serves to git
// ("" when it serves none: providers git does not use, and generic
// connections until a scope is set).
func (s *Service) GitScope(c domain.Connection) string {
	p, ok := s.catalogue.Provider(c.Provider)
	if !ok {
		return ""
	}
	m, ok := p.Mode(c.AuthMode)
	if !ok || m.GitUsername == "" {
		return ""
	}
	if v := strings.TrimSpace(c.Config[ConfigGitScope]); v != "" {
		return normalizeScope(v)
	}
	if strings.HasPrefix(c.Provider, "generic_") {
		return ""
	}
	base, err := url.Parse(c.BaseURL)
	if err != nil || base.Host == "" {
		return ""
	}
	if cloud, err := url.Parse(p.CloudBaseURL); err == nil && p.GitHost != "" && strings.EqualFold(cloud.Host, base.Host) {
		return p.GitHost
	}
	path := strings.TrimSuffix(strings.TrimRight(base.Path, "/"), "/api/v3") // GitHub Enterprise Server's API base
	return normalizeScope(base.Host + path)
}

// normalizeScope lowercases the host and trims slashes and a scheme.
func normalizeScope(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.Index(v, "://"); i >= 0 {
		v = v[i+3:]
	}
	v = strings.Trim(v, "/")
	host, path, _ := strings.Cut(v, "/")
	if path == "" {
		return strings.ToLower(host)
	}
	return strings.ToLower(host) + "/" + strings.Trim(path, "/")
}

// loopbackHost reports whether host[:port] names this machine.
func loopbackHost(hostport string) bool {
	h := hostport
	if sh, _, err := net.SplitHostPort(hostport); err == nil {
		h = sh
	}
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}

// GitConnection finds the connection serving a git request: the scope with
// the host and the longest path prefix of the request's path, active ones
// first. Credentials go only over https (http only to this machine). ok is
// false when no connection serves the request (git then asks elsewhere).
func (s *Service) GitConnection(ctx context.Context, r GitRequest) (c domain.Connection, ok bool, err error) {
	switch {
	case r.Protocol == "https":
	case r.Protocol == "http" && loopbackHost(r.Host):
	default:
		return domain.Connection{}, false, nil
	}
	host := strings.ToLower(r.Host)
	reqPath := strings.Trim(r.Path, "/")
	all, err := s.store.ListConnections(ctx)
	if err != nil {
		return domain.Connection{}, false, err
	}
	type cand struct {
		c      domain.Connection
		prefix int
	}
	var hits []cand
	for _, c := range all {
		scope := s.GitScope(c)
		if scope == "" {
			continue
		}
		sh, sp, _ := strings.Cut(scope, "/")
		if sh != host {
			continue
		}
		switch {
		case sp == "":
			hits = append(hits, cand{c, 0})
		case reqPath == "":
			hits = append(hits, cand{c, -1}) // git sent no path: a host-wide scope wins
		case reqPath == sp || strings.HasPrefix(strings.ToLower(reqPath), strings.ToLower(sp)+"/"):
			hits = append(hits, cand{c, len(sp)})
		}
	}
	if len(hits) == 0 {
		return domain.Connection{}, false, nil
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].prefix != hits[j].prefix {
			return hits[i].prefix > hits[j].prefix
		}
		ai, aj := hits[i].c.Status == domain.StatusActive, hits[j].c.Status == domain.StatusActive
		if ai != aj {
			return ai
		}
		return hits[i].c.CreatedAt.Before(hits[j].c.CreatedAt)
	})
	return hits[0].c, true, nil
}

// GitCredential answers a git credential "get": the serving connection's
// username and fresh token. ok is false when no connection serves it.
func (s *Service) GitCredential(ctx context.Context, r GitRequest) (t HandedToken, ok bool, err error) {
	c, ok, err := s.GitConnection(ctx, r)
	if err != nil || !ok {
		return HandedToken{}, ok, err
	}
	t, err = s.handOut(ctx, c)
	s.auditHandOut(ctx, c, err)
	return t, true, err
}

// GitRejected handles a git credential "erase": git says the server refused
// the credential it was given. Patchbay deletes nothing (the credential may
// be fine and the repository not shared with it); it records the rejection
// and checks the connection now, so a revoked token shows as "Reconnection
// needed." at once. ok is false when no connection serves the request.
func (s *Service) GitRejected(ctx context.Context, r GitRequest) (domain.Connection, bool, error) {
	c, ok, err := s.GitConnection(ctx, r)
	if err != nil || !ok {
		return domain.Connection{}, ok, err
	}
	s.audit(ctx, c, ActionCredentialRejected, OutcomeFailed, "git was refused by "+r.Host)
	checked, err := s.CheckConnection(ctx, c.ID)
	return checked, true, err
}

// GetGitSettings returns what a connection serves to git.
func (s *Service) GetGitSettings(ctx context.Context, id string) (domain.GitSettings, error) {
	c, _, m, err := s.resolve(ctx, id)
	if err != nil {
		return domain.GitSettings{}, err
	}
	return domain.GitSettings{Supported: m.GitUsername != "", Scope: c.Config[ConfigGitScope], EffectiveScope: s.GitScope(c),
		Username: c.Config[ConfigGitUsername], DefaultUsername: m.GitUsername}, nil
}

// SetGitSettings sets which git host and path prefix a connection serves
// and, optionally, the username git sends (empty: the catalogue's). Only
// these two settings are written (a check running meanwhile keeps its
// columns, and the connection's other settings are untouched).
func (s *Service) SetGitSettings(ctx context.Context, id string, in domain.GitSettings) (domain.GitSettings, error) {
	c, _, m, err := s.resolve(ctx, id)
	if err != nil {
		return domain.GitSettings{}, err
	}
	if m.GitUsername == "" {
		return domain.GitSettings{}, domain.Errorf(domain.EInvalid, "git does not use %s connections; only GitHub, GitLab, Bitbucket, Azure DevOps Repos and generic connections can serve git.", c.Provider)
	}
	scope := normalizeScope(in.Scope)
	if strings.ContainsAny(scope, " \t\n?#@") {
		return domain.GitSettings{}, domain.FieldError("scope", "Enter a host and an optional path, like github.com/acme.")
	}
	username := strings.TrimSpace(in.Username)
	if strings.ContainsAny(username, "\n\r") {
		return domain.GitSettings{}, domain.FieldError("username", "A username is one line.")
	}
	at := s.now().UTC()
	if err := s.store.SetConnectionConfig(ctx, id, map[string]string{ConfigGitScope: scope, ConfigGitUsername: username}, at); err != nil {
		return domain.GitSettings{}, err
	}
	s.bus.Publish(events.ConnectionChanged, events.ConnectionRef{ID: id})
	return s.GetGitSettings(ctx, id)
}
