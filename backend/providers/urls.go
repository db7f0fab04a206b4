package providers

import (
	"net/url"
	"strings"

	"patchbay/backend/domain"
)

// CheckBaseURL parses a user-typed base or endpoint URL and returns it
// normalised (no trailing slash), or an EInvalid error for field that says
// what to fix: a scheme other than http/https, no host, credentials in the
// URL, spaces, query strings or fragments on a base URL.
func CheckBaseURL(field, raw string, allowQuery bool) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", domain.FieldError(field, "Enter a URL that starts with https://.")
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return "", domain.FieldError(field, "The URL contains spaces. Remove them; a URL cannot contain spaces.")
	}
	if !strings.Contains(s, "://") {
		return "", domain.FieldError(field, "The URL has no scheme. Start it with https:// (for example https://%s).", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", domain.FieldError(field, "This is not a valid URL (%v). Check for typos.", err)
	}
	switch u.Scheme {
	case "https", "http":
	default:
		return "", domain.FieldError(field, "The scheme %q is not supported. Use https:// (or http:// for a local server).", u.Scheme+":")
	}
	if u.User != nil {
		return "", domain.FieldError(field, "Remove the user name or password from the URL; credentials go in their own fields, never in a URL.")
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", domain.FieldError(field, "The URL has no host name. Use a full URL such as https://example.com.")
	}
	if !allowQuery && (u.RawQuery != "" || u.Fragment != "") {
		return "", domain.FieldError(field, "Remove the ?query or #fragment from the base URL.")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// JoinURL resolves ref against base: an absolute ref is checked on its own, a
// path is appended to base.
func JoinURL(field, base, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if strings.Contains(ref, "://") || base == "" {
		return CheckBaseURL(field, ref, true)
	}
	if ref != "" && !strings.HasPrefix(ref, "/") {
		ref = "/" + ref
	}
	return CheckBaseURL(field, strings.TrimRight(base, "/")+ref, true)
}
