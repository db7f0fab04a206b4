// Package domain holds Patchbay's domain types and the errors the UI can show.
// It imports no database, HTTP or UI code: every other backend package builds on it.
package domain

import (
	"time"
	"unicode/utf8"
)

// Status is one of the four connection states of the connection status model.
type Status string

// The four connection statuses (seed 004).
const (
	StatusActive  Status = "active"
	StatusPending Status = "pending"
	StatusError   Status = "error"
	StatusRevoked Status = "revoked"
)

// Valid reports whether s is one of the four known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusPending, StatusError, StatusRevoked:
		return true
	}
	return false
}

// Description is the user-facing sentence for a status (seed 004 wording).
func (s Status) Description() string {
	switch s {
	case StatusActive:
		return "Connected and working."
	case StatusPending:
		return "Waiting for validation or consent."
	case StatusError:
		return "Reconnection needed."
	case StatusRevoked:
		return "Disconnected."
	}
	return ""
}

// Workspace groups connections and the work that uses them.
type Workspace struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	// SweepMinutes is how often its connections are checked in the
	// background; nil means the app's default and 0 only "Check all now".
	SweepMinutes *int `json:"sweepMinutes,omitempty"`
}

// Connection is one integration instance. It never carries a secret: secrets
// live in the secret store keyed by the connection id, and SecretHint shows
// only the last four characters.
type Connection struct {
	ID                string            `json:"id"`
	Provider          string            `json:"provider"`
	AuthMode          string            `json:"authMode"`
	Label             string            `json:"label"`
	Owner             string            `json:"owner"`
	WorkspaceIDs      []string          `json:"workspaceIds"`
	BaseURL           string            `json:"baseUrl"`
	Config            map[string]string `json:"config"`
	Identity          string            `json:"identity"`
	Scopes            []string          `json:"scopes"`
	TokenExpiresAt    *time.Time        `json:"tokenExpiresAt,omitempty"`
	RateLimitRemain   *int              `json:"rateLimitRemaining,omitempty"`
	Status            Status            `json:"status"`
	StatusDescription string            `json:"statusDescription"`
	LastError         *CheckResult      `json:"lastError,omitempty"`
	SecretHint        string            `json:"secretHint"`
	// Credentials lists each secret of a pooled connection (several PATs);
	// empty for connections with one secret.
	Credentials   []CredentialInfo `json:"credentials"`
	LastCheckedAt *time.Time       `json:"lastCheckedAt,omitempty"`
	CreatedAt     time.Time        `json:"createdAt"`
	UpdatedAt     time.Time        `json:"updatedAt"`
	// SecretVersion counts the changes of the connection's credential. A
	// check records its result only while the version it read is current
	// (store.RecordCheck), so the result of a check of a replaced secret is
	// discarded. Internal: never sent to the UI.
	SecretVersion int64 `json:"-"`
	// LastCheck is the check ApplyCheck recorded in this process, with the
	// provider's HTTP status and the measured latency, so the history stores
	// the real figures of a successful check too. It is not a column of the
	// connection (the check history keeps it) and not part of the API.
	LastCheck *CheckResult `json:"-"`
}

// ConnectionSummary is one row of the connection list (the ListConnections
// binding): only what the lists, their filters and counts, the banner's and
// bell's links and the owner and workflow pickers show. The connection page
// reads the whole Connection (GetConnection). Leaving out the last error's
// guidance, config, scopes, credentials and timestamps makes the list of
// 10,000 connections about half as heavy to build, send and parse.
type ConnectionSummary struct {
	ID           string   `json:"id"`
	Provider     string   `json:"provider"`
	AuthMode     string   `json:"authMode"`
	Label        string   `json:"label"`
	Owner        string   `json:"owner"`
	WorkspaceIDs []string `json:"workspaceIds"`
	Status       Status   `json:"status"`
	// StatusDescription is set only when it differs from the status's
	// usual sentence (Status.Description), such as "Waiting for Acme to
	// connect it."; the UI shows the usual sentence otherwise.
	StatusDescription string `json:"statusDescription,omitempty"`
	// LastError is the class and message of the last failed check (what
	// tells an interrupted connection from an active one), nil after a
	// successful one.
	LastError     *ErrorSummary `json:"lastError,omitempty"`
	LastCheckedAt *time.Time    `json:"lastCheckedAt,omitempty"`
	// CredentialGroup is Config[ConfigCredentialGroup]: the connections
	// sharing one sign-in (Azure DevOps Boards, Repos, Pipelines).
	CredentialGroup string `json:"credentialGroup,omitempty"`
	// AwaitingClient: Config[ConfigAwaitingClient] is set, a requested
	// connection the client has not connected yet.
	AwaitingClient bool `json:"awaitingClient,omitempty"`
}

// ErrorSummary is the class and message of a CheckResult, without its
// guidance (causes, checks, action), which the connection page shows.
type ErrorSummary struct {
	Class   Class  `json:"class"`
	Message string `json:"message"`
}

// ConfigCredentialGroup is the Config key naming the connection whose secret
// a group of linked connections shares.
const ConfigCredentialGroup = "credentialGroup"

// Summary returns the connection's row of the connection list.
func (c Connection) Summary() ConnectionSummary {
	s := ConnectionSummary{ID: c.ID, Provider: c.Provider, AuthMode: c.AuthMode, Label: c.Label, Owner: c.Owner,
		WorkspaceIDs: c.WorkspaceIDs, Status: c.Status, LastCheckedAt: c.LastCheckedAt,
		CredentialGroup: c.Config[ConfigCredentialGroup], AwaitingClient: c.Config[ConfigAwaitingClient] != ""}
	if s.WorkspaceIDs == nil {
		s.WorkspaceIDs = []string{}
	}
	if c.StatusDescription != c.Status.Description() {
		s.StatusDescription = c.StatusDescription
	}
	if c.LastError != nil {
		s.LastError = &ErrorSummary{Class: c.LastError.Class, Message: c.LastError.Message}
	}
	return s
}

// OwnerTeam is the Owner of a connection that belongs to the team itself
// rather than to one of its clients.
const OwnerTeam = "team"

// Interrupted reports whether the connection is active but its last check
// failed for a transient reason (shown as a warning, never as an alert).
func (c Connection) Interrupted() bool {
	return c.Status == StatusActive && c.LastError != nil && !c.LastError.Class.Permanent()
}

// MaskSecret returns the secret hint shown in the UI: a mask and the last four
// characters (not bytes, so the hint stays valid UTF-8), or only the mask for
// secrets shorter than twelve characters or whose tail is not valid UTF-8.
func MaskSecret(secret string) string {
	const mask = "••••"
	if utf8.RuneCountInString(secret) < 12 {
		return mask
	}
	i := len(secret)
	for n := 0; n < 4; n++ {
		_, w := utf8.DecodeLastRuneInString(secret[:i])
		i -= w
	}
	if !utf8.ValidString(secret[i:]) {
		return mask
	}
	return mask + secret[i:]
}

// ApplyCheck records a check's outcome on the connection: success makes it
// active and stores what the provider reported; a permanent failure moves it
// to error ("Reconnection needed."); a transient one keeps the status (an
// active connection becomes interrupted) and records the reason.
func (c *Connection) ApplyCheck(r CheckResult) {
	at := r.CheckedAt
	c.LastCheckedAt = &at
	lc := r
	c.LastCheck = &lc
	switch {
	case r.OK():
		c.Status = StatusActive
		c.LastError = nil
		if r.Identity != "" {
			c.Identity = r.Identity
		}
		if r.Scopes != nil {
			c.Scopes = r.Scopes
		}
		c.TokenExpiresAt = r.ExpiresAt
		c.RateLimitRemain = r.RateRemaining
	case r.Class.Permanent():
		c.Status = StatusError
		rc := r
		c.LastError = &rc
	default:
		rc := r
		c.LastError = &rc
		if r.RateRemaining != nil {
			c.RateLimitRemain = r.RateRemaining
		}
	}
	c.StatusDescription = c.Status.Description()
}

// CredentialInfo is what Patchbay knows about one secret of a connection that
// holds several (a pool of GitHub PATs from service accounts): never the
// secret itself, only its masked hint and what its last check reported.
type CredentialInfo struct {
	Hint          string     `json:"hint"`
	Identity      string     `json:"identity"`
	Class         Class      `json:"class"`
	Message       string     `json:"message"`
	RateRemaining *int       `json:"rateRemaining,omitempty"`
	RateLimit     *int       `json:"rateLimit,omitempty"`
	RateResetAt   *time.Time `json:"rateResetAt,omitempty"`
	CheckedAt     time.Time  `json:"checkedAt"`
}

// CredentialFrom summarises a check of one pooled secret.
func CredentialFrom(secret string, r CheckResult) CredentialInfo {
	return CredentialInfo{Hint: MaskSecret(secret), Identity: r.Identity, Class: r.Class, Message: r.Message,
		RateRemaining: r.RateRemaining, RateLimit: r.RateLimit, RateResetAt: r.RateResetAt, CheckedAt: r.CheckedAt}
}
