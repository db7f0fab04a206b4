package domain

import "time"

// Client is one of the team's clients; connections it owns have Owner set
// to its id.
type Client struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Archived  bool      `json:"archived"`
	CreatedAt time.Time `json:"createdAt"`
}

// Reconnection request states, as the operator sees the client's progress.
const (
	RequestPending = "pending" // link created, not opened
	RequestOpened  = "opened"  // the client opened the link
	RequestConsent = "consent" // consent at the provider finished
	RequestActive  = "active"  // the connection is active again
	RequestRevoked = "revoked" // the operator revoked the link
	RequestExpired = "expired" // the link expired unused
)

// ReconnectRequest is a signed, expiring, single-use link that lets a
// client reconnect their own connection by consent.
type ReconnectRequest struct {
	ID           string     `json:"id"`
	ClientID     string     `json:"clientId"`
	ConnectionID string     `json:"connectionId"`
	State        string     `json:"state"`
	CreatedAt    time.Time  `json:"createdAt"`
	ExpiresAt    time.Time  `json:"expiresAt"`
	UsedAt       *time.Time `json:"usedAt,omitempty"`
	// URL and Mailto are filled when the request is created (the token is
	// not stored, so they cannot be shown again).
	URL    string `json:"url,omitempty"`
	Mailto string `json:"mailto,omitempty"`
}

// PortalConnection is what a client sees of one of their connections: no
// secret, no identity, no other client's data.
type PortalConnection struct {
	ID          string `json:"id"`
	Label       string `json:"label"`
	Provider    string `json:"provider"`
	Status      Status `json:"status"`
	Description string `json:"description"`
	CanRefresh  bool   `json:"canRefresh"`
	// AwaitingClient is set for a requested connection the client has not
	// connected yet: the portal offers Connect instead of Reconnect.
	AwaitingClient bool `json:"awaitingClient,omitempty"`
}

// ConfigAwaitingClient marks (in Connection.Config) a connection requested
// from a client that their consent has not created yet.
const ConfigAwaitingClient = "awaitingClient"

// RequestCredentialsDraft asks a client to connect a new integration by
// consent: the provider, mode, label, base URL and the team's OAuth client
// (Draft), the client, and the portal's public address.
type RequestCredentialsDraft struct {
	ClientID string          `json:"clientId"`
	BaseURL  string          `json:"baseUrl"`
	Draft    ConnectionDraft `json:"draft"`
}

// PortalSession is a client's signed-in portal session, started by opening
// a reconnection link. ID (the cookie) and CSRF never leave the portal
// handler: they are not serialized.
type PortalSession struct {
	ID         string    `json:"-"`
	CSRF       string    `json:"-"`
	ClientID   string    `json:"clientId"`
	ClientName string    `json:"clientName"`
	RequestID  string    `json:"requestId"`
	CreatedAt  time.Time `json:"createdAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// PortalLink is what the "Continue as …" page of an unopened link shows.
type PortalLink struct {
	ClientName string `json:"clientName"`
}
