package domain

import "time"

// Class classifies the outcome of a validation, refresh or run step.
type Class string

// The check classifications of DESIGN.md.
const (
	ClassOK                 Class = "ok"
	ClassInvalidCredentials Class = "invalid_credentials"
	ClassExpired            Class = "expired"
	ClassRevoked            Class = "revoked"
	ClassInsufficientScope  Class = "insufficient_scope"
	ClassRateLimited        Class = "rate_limited"
	ClassProviderDown       Class = "provider_unavailable"
	ClassNetwork            Class = "network"
	ClassMisconfigured      Class = "misconfigured"
)

// Permanent reports whether the class means the credential itself is bad, so
// retrying cannot help and the connection must move to error.
func (c Class) Permanent() bool {
	switch c {
	case ClassInvalidCredentials, ClassExpired, ClassRevoked, ClassInsufficientScope:
		return true
	}
	return false
}

// CheckResult is the classified outcome of one request to a provider, with the
// guidance the error view shows (seed 003: what happened, why, what to check,
// what to do).
type CheckResult struct {
	Class         Class    `json:"class"`
	HTTPStatus    int      `json:"httpStatus,omitempty"`
	Message       string   `json:"message"`
	Causes        []string `json:"causes,omitempty"`
	Checks        []string `json:"checks,omitempty"`
	Action        string   `json:"action,omitempty"`
	StatusPageURL string   `json:"statusPageUrl,omitempty"`
	MissingScopes []string `json:"missingScopes,omitempty"`
	// ScopeReported: the provider itself said a scope is missing
	// (WWW-Authenticate error="insufficient_scope", scope headers, an
	// error body), so a 403 is not a token that was just replaced.
	ScopeReported bool       `json:"-"`
	RetryAt       *time.Time `json:"retryAt,omitempty"`
	Identity      string     `json:"identity,omitempty"`
	Scopes        []string   `json:"scopes,omitempty"`
	ExpiresAt     *time.Time `json:"expiresAt,omitempty"`
	RateRemaining *int       `json:"rateRemaining,omitempty"`
	RateLimit     *int       `json:"rateLimit,omitempty"`
	RateResetAt   *time.Time `json:"rateResetAt,omitempty"`
	LatencyMS     int64      `json:"latencyMs"`
	CheckedAt     time.Time  `json:"checkedAt"`
}

// OK reports whether the check succeeded.
func (r CheckResult) OK() bool { return r.Class == ClassOK }

// CheckRecord is one stored check in a connection's history.
type CheckRecord struct {
	CheckedAt     time.Time `json:"checkedAt"`
	LatencyMS     int64     `json:"latencyMs"`
	Class         Class     `json:"class"`
	HTTPStatus    int       `json:"httpStatus"`
	Message       string    `json:"message"`
	RateRemaining *int      `json:"rateRemaining,omitempty"`
}

// Notification severities.
const (
	SeverityCritical = "critical"
	SeverityWarning  = "warning"
)

// Notification kinds.
const (
	KindReauth = "reauth" // the connection needs reauthorization (critical)
	KindExpiry = "expiry" // the token expires soon (warning)
)

// Notification is one entry of the bell.
type Notification struct {
	ID           string     `json:"id"`
	ConnectionID string     `json:"connectionId"`
	Severity     string     `json:"severity"`
	Kind         string     `json:"kind"`
	Title        string     `json:"title"`
	Body         string     `json:"body"`
	CreatedAt    time.Time  `json:"createdAt"`
	ReadAt       *time.Time `json:"readAt,omitempty"`
	ResolvedAt   *time.Time `json:"resolvedAt,omitempty"`
}

// Banner is the red reauthorization banner (seed 004), derived from the
// unread critical notifications; empty Text means no banner.
type Banner struct {
	Text         string `json:"text"`
	Count        int    `json:"count"`
	LinkTitle    string `json:"linkTitle"`
	ConnectionID string `json:"connectionId"`
	More         int    `json:"more"`
}

// Uptime summarises a connection's checks over a window.
type Uptime struct {
	Checks       int     `json:"checks"`
	OK           int     `json:"ok"`
	Percent      float64 `json:"percent"`
	AvgLatencyMS int64   `json:"avgLatencyMs"`
	MaxLatencyMS int64   `json:"maxLatencyMs"`
}
