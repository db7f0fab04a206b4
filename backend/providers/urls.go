package providers

import (
	"net"
	"net/url"
	"strings"

	"patchbay/backend/domain"
)

// CheckBaseURL parses a user-typed base URL and returns it normalised (no
// trailing slash), or an EInvalid error for field that says what to fix: a
// scheme other than http/https, no host, credentials in the URL, spaces,
// query strings or fragments on a base URL. Endpoint URLs go through
// CheckEndpointURL instead, which keeps them as typed.
func CheckBaseURL(field, raw string, allowQuery bool) (string, error) {
	u, err := parseURL(field, raw)
	if err != nil {
		return "", err
	}
	if !allowQuery && (u.RawQuery != "" || u.Fragment != "") {
		return "", domain.FieldError(field, "Remove the ?query or #fragment from the base URL.")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// CheckEndpointURL checks a typed or discovered endpoint URL (authorize,
// token, userinfo, a validation URL) like CheckBaseURL but keeps it exactly
// as given: its trailing slash, path case and query are part of the endpoint
// (Django-style servers route /o/token/ and answer /o/token with a redirect).
func CheckEndpointURL(field, raw string) (string, error) {
	u, err := parseURL(field, raw)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// CheckDiscoveredURL checks an endpoint read from a discovery document:
// https, or http only on a loopback host (a discovery document must not send
// Patchbay's client secret to a plain-http or non-web address).
func CheckDiscoveredURL(field, raw string) (string, error) {
	if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.Scheme != "http" && u.Scheme != "https" {
		return "", domain.FieldError(field, "The discovery document lists %q as the %s; the scheme %q is not supported (only https, or http on this computer). Fix the server's configuration or enter the endpoint yourself.", raw, field, u.Scheme+":")
	}
	s, err := CheckEndpointURL(field, raw)
	if err != nil {
		return "", domain.FieldError(field, "The discovery document lists %q as the %s, which Patchbay will not use: %s", raw, field, domain.Public(err).Message)
	}
	u, _ := url.Parse(s)
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return "", domain.FieldError(field, "The discovery document lists a plain-http %s (%s). Patchbay only sends credentials over https (http is accepted on this computer's loopback address only). Fix the server's issuer configuration or enter the endpoint yourself.", field, s)
	}
	return s, nil
}

// IsLoopback reports whether host names this computer (localhost,
// 127.0.0.0/8, ::1).
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func parseURL(field, raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, domain.FieldError(field, "Enter a URL that starts with https://.")
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return nil, domain.FieldError(field, "The URL contains spaces. Remove them; a URL cannot contain spaces.")
	}
	if !strings.Contains(s, "://") {
		return nil, domain.FieldError(field, "The URL has no scheme. Start it with https:// (for example https://%s).", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, domain.FieldError(field, "This is not a valid URL (%v). Check for typos.", err)
	}
	switch u.Scheme {
	case "https", "http":
	default:
		return nil, domain.FieldError(field, "The scheme %q is not supported. Use https:// (or http:// for a local server).", u.Scheme+":")
	}
	if u.User != nil {
		return nil, domain.FieldError(field, "Remove the user name or password from the URL; credentials go in their own fields, never in a URL.")
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, domain.FieldError(field, "The URL has no host name. Use a full URL such as https://example.com.")
	}
	return u, nil
}

// JoinURL resolves ref against base: an absolute ref is checked on its own
// and kept as given; a path is appended to the (normalised) base and keeps
// its own trailing slash and query.
func JoinURL(field, base, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if strings.Contains(ref, "://") || base == "" {
		return CheckEndpointURL(field, ref)
	}
	if ref == "" {
		return CheckBaseURL(field, base, true)
	}
	if !strings.HasPrefix(ref, "/") {
		ref = "/" + ref
	}
	return CheckEndpointURL(field, strings.TrimRight(base, "/")+ref)
}
