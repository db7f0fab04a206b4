package domain

import "time"

// AuditEvent is one credential event of the audit log: when, which
// connection, what happened, how it ended and who did it. It never holds a
// secret.
type AuditEvent struct {
	ID              int64     `json:"id"`
	At              time.Time `json:"at"`
	ConnectionID    string    `json:"connectionId"`
	ConnectionLabel string    `json:"connectionLabel"`
	Provider        string    `json:"provider"`
	// Action is one of the Audit* actions.
	Action string `json:"action"`
	// Outcome is "ok" or "failed" (and "transient" for a refresh that may
	// succeed later).
	Outcome string `json:"outcome"`
	// Actor says who: "window", "serve", "cli check", "token (caller: bash)",
	// "git-credential (caller: git)", "portal client Acme".
	Actor  string `json:"actor"`
	Detail string `json:"detail"`
}

// AuditFilter selects audit events (empty fields match everything).
type AuditFilter struct {
	ConnectionID string `json:"connectionId"`
	Action       string `json:"action"`
	Actor        string `json:"actor"` // substring, case-insensitive
	Outcome      string `json:"outcome"`
	Limit        int    `json:"limit"`
}

// Audit actions.
const (
	AuditCreated            = "created"
	AuditValidated          = "validated"
	AuditReauthenticated    = "re-authenticated"
	AuditReauthorized       = "reauthorized"
	AuditRefreshed          = "refreshed"
	AuditRefreshFailed      = "refresh failed"
	AuditRevoked            = "revoked"
	AuditDisconnected       = "disconnected"
	AuditDeleted            = "deleted"
	AuditTokenHandedOut     = "token handed out"
	AuditCredentialRejected = "credential rejected"
	AuditLinkCreated        = "link created"
	AuditLinkOpened         = "link opened"
	AuditPortalStarted      = "portal session started"
	AuditPortalEnded        = "portal session ended"
)

// Audit outcomes.
const (
	OutcomeOK        = "ok"
	OutcomeFailed    = "failed"
	OutcomeTransient = "transient"
)

// GitSettings is what a connection serves to git (patchbay git-credential):
// the host and path prefix of the remotes it answers for and the username
// sent with its token.
type GitSettings struct {
	// Supported is false for providers git does not use (read-only).
	Supported bool `json:"supported"`
	// Scope is the configured "host/path prefix"; empty: DefaultScope.
	Scope string `json:"scope"`
	// EffectiveScope is what the helper matches (read-only; empty: none).
	EffectiveScope string `json:"effectiveScope"`
	// Username overrides DefaultUsername, the catalogue's (read-only).
	Username        string `json:"username"`
	DefaultUsername string `json:"defaultUsername"`
}

// AlertRoute is where a connection needing reauthorization (and its
// recovery) is posted: a Slack channel through one of the team's Slack
// connections, or a webhook signed with a secret kept in the keyring.
type AlertRoute struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Kind is "webhook" or "slack".
	Kind              string `json:"kind"`
	URL               string `json:"url"`
	SlackConnectionID string `json:"slackConnectionId"`
	Channel           string `json:"channel"`
	// WorkspaceID limits the route to one workspace's connections ("": all).
	WorkspaceID string `json:"workspaceId"`
	// MinSeverity is "critical" (reauthorization needed, and its recovery)
	// or "warning" (also expiry warnings).
	MinSeverity string    `json:"minSeverity"`
	Enabled     bool      `json:"enabled"`
	CreatedAt   time.Time `json:"createdAt"`
}

// AlertRouteDraft creates a route; Secret (webhooks) goes to the keyring.
type AlertRouteDraft struct {
	AlertRoute
	Secret string `json:"secret"`
}

// AlertDelivery is one message to one route about one state change.
type AlertDelivery struct {
	ID           string     `json:"id"`
	RouteID      string     `json:"routeId"`
	ConnectionID string     `json:"connectionId"`
	Event        string     `json:"event"`
	Body         string     `json:"body"`
	Status       string     `json:"status"` // pending, delivered, failed
	Attempts     int        `json:"attempts"`
	LastError    string     `json:"lastError"`
	NextAttempt  time.Time  `json:"nextAttemptAt"`
	CreatedAt    time.Time  `json:"createdAt"`
	DeliveredAt  *time.Time `json:"deliveredAt,omitempty"`
}

// Alert events and delivery states.
const (
	AlertReauthRequired = "connection.reauth_required"
	AlertRecovered      = "connection.recovered"
	AlertExpiring       = "connection.token_expiring"
	AlertTest           = "test"

	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)
