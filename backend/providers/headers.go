package providers

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// intHeader reads an integer header; nil when absent or not a number.
func intHeader(h http.Header, name string) *int {
	if name == "" {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(h.Get(name)))
	if err != nil {
		return nil
	}
	return &n
}

// isZero reports whether any of the named rate-limit headers says 0 remain.
func isZero(h http.Header, names ...string) bool {
	for _, n := range names {
		if v := intHeader(h, n); v != nil && *v == 0 {
			return true
		}
	}
	return false
}

// timeHeader parses a timestamp header in the formats providers use:
// RFC 3339, RFC 3339 without seconds (Jira Cloud's rate-limit reset) or
// with a colonless offset (SonarQube's token expiry), "2006-01-02 15:04:05
// MST" (GitHub's token expiry), HTTP dates in the three
// forms RFC 9110 allows, or epoch seconds.
func timeHeader(h http.Header, name string) *time.Time {
	if name == "" {
		return nil
	}
	return parseTime(h.Get(name))
}

func parseTime(v string) *time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 1_000_000_000 {
		t := time.Unix(n, 0).UTC()
		return &t
	}
	// Jira Cloud's X-RateLimit-Reset has no seconds: "yyyy-MM-ddTHH:mmZ"
	// (developer.atlassian.com/cloud/jira/platform/rate-limiting); SonarQube's
	// token expiry has a colonless offset (DATETIME_FORMAT
	// yyyy-MM-dd'T'HH:mm:ssZ).
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05-0700", "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05 -0700", http.TimeFormat, time.RFC850, time.ANSIC} {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC()
			return &t
		}
	}
	return nil
}

// maxWaitSeconds bounds a wait a provider asks for (a year and a day; the
// result is clamped to a year from now anyway).
const maxWaitSeconds = 366 * 24 * 3600

// retryAt works out when to try again from Retry-After (seconds or an HTTP
// date) or the provider's rate-limit reset header (epoch or timestamp).
func retryAt(h http.Header, resetHeader string, now time.Time) *time.Time {
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
			secs = min(secs, maxWaitSeconds) // no overflow of the duration
			t := now.Add(time.Duration(secs) * time.Second).UTC()
			return &t
		}
		if t := parseTime(ra); t != nil {
			return t
		}
	}
	for _, name := range []string{resetHeader, "X-RateLimit-Reset", "RateLimit-Reset"} {
		if name == "" {
			continue
		}
		if t := resetTime(h.Get(name), now); t != nil {
			return t
		}
	}
	return nil
}

// resetTime reads a rate-limit reset value: an epoch, a timestamp, or (as
// some providers send) seconds until the reset.
func resetTime(v string, now time.Time) *time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 && secs < 1_000_000_000 {
		t := now.Add(time.Duration(secs) * time.Second).UTC()
		return &t
	}
	return parseTime(v)
}
