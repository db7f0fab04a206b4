package domain

// AppInfo describes the running app for the UI's about box and warnings.
type AppInfo struct {
	Version string `json:"version"`
	DataDir string `json:"dataDir"`
	// LogFile is where this process writes its log (patchbay.log in the
	// data directory); empty when it could not be opened.
	LogFile       string     `json:"logFile,omitempty"`
	SecretBackend string     `json:"secretBackend"`
	SecretWarning string     `json:"secretWarning,omitempty"`
	Demo          bool       `json:"demo"`
	DemoHints     *DemoHints `json:"demoHints,omitempty"`
}

// DemoHints tells a new user of --demo what to type to try each flow against
// the in-process fake providers. The demo keys are fake and only work there.
type DemoHints struct {
	GenericValidationURL string `json:"genericValidationUrl"`
	GenericHeaderName    string `json:"genericHeaderName"`
	GenericGoodKey       string `json:"genericGoodKey"`
	GenericBadKey        string `json:"genericBadKey"`
	// FakeBaseURL is the fake providers' address; each provider lives under
	// its own path (/github, /jira, /slack…), and POST /_fake/keys
	// {"key":…,"valid":bool,"down":bool} breaks or restores a credential.
	FakeBaseURL string `json:"fakeBaseUrl"`
	// The fake OAuth 2.0 server, for the Generic OAuth 2.0 provider.
	OAuthAuthorizeURL string `json:"oauthAuthorizeUrl"`
	OAuthTokenURL     string `json:"oauthTokenUrl"`
	OAuthUserinfoURL  string `json:"oauthUserinfoUrl"`
	OAuthClientID     string `json:"oauthClientId"`
	OAuthClientSecret string `json:"oauthClientSecret"`
	// The fake Jira Data Center's OAuth 1.0a application link (under /jiradc);
	// POST /_fake/oauth1/revoke revokes its access tokens.
	OAuth1ConsumerKey string `json:"oauth1ConsumerKey"`
	OAuth1PrivateKey  string `json:"oauth1PrivateKey"`
}

// ConnectionDraft is what the Add integration form submits. Config holds the
// non-secret fields of the auth mode (header name, validation URL, email…);
// Secrets holds the secret ones (API key, token) and never reaches SQLite.
type ConnectionDraft struct {
	Provider     string            `json:"provider"`
	AuthMode     string            `json:"authMode"`
	Label        string            `json:"label"`
	WorkspaceIDs []string          `json:"workspaceIds"`
	BaseURL      string            `json:"baseUrl"`
	Config       map[string]string `json:"config"`
	Secrets      map[string]string `json:"secrets"`
}

// DraftCheck is the answer to Validate Connection on a draft: the classified
// check plus warnings about the input (trimmed whitespace, odd token format).
type DraftCheck struct {
	Check CheckResult `json:"check"`
	// Credentials has one entry per pooled secret (several PATs).
	Credentials []CredentialInfo `json:"credentials"`
	Warnings    []string         `json:"warnings"`
}

// WorkspaceDraft is what the New workspace form submits.
type WorkspaceDraft struct {
	Name string `json:"name"`
}

// ReauthDraft is what the Re-Authenticate form submits: only the new secret
// (and the email or username the mode needs). The auth type and every other
// setting of the connection stay as they are.
type ReauthDraft struct {
	Config  map[string]string `json:"config"`
	Secrets map[string]string `json:"secrets"`
	// Pool says what to do with a pooled secret (several PATs): "replace"
	// the one at Index (the default), "add" one, or "remove" the one at Index.
	Pool  string `json:"pool,omitempty"`
	Index int    `json:"index,omitempty"`
}

// ReauthResult is the answer to a successful re-authentication.
type ReauthResult struct {
	Connection Connection `json:"connection"`
	Warnings   []string   `json:"warnings"`
}

// Consent states.
const (
	ConsentPending = "pending"
	// ConsentAuthorized: the provider granted access, and the new token
	// waits in memory for Validate Connection (CompleteConsent); the old
	// credential is still the one in use.
	ConsentAuthorized = "authorized"
	ConsentDone       = "done"
	ConsentFailed     = "failed"
	ConsentCancelled  = "cancelled"
)

// ConsentStatus is a running or finished OAuth consent: the UI opens AuthURL
// in the system browser and follows State (event "consent:changed").
type ConsentStatus struct {
	ID           string       `json:"id"`
	State        string       `json:"state"`
	AuthURL      string       `json:"authUrl"`
	RedirectURI  string       `json:"redirectUri"`
	Message      string       `json:"message,omitempty"`
	Check        *CheckResult `json:"check,omitempty"`
	ConnectionID string       `json:"connectionId,omitempty"`
	// AuthorizedAs and Granted say, once the provider granted access
	// (state authorized), which account authorized and which scopes the new
	// token carries.
	AuthorizedAs string   `json:"authorizedAs,omitempty"`
	Granted      []string `json:"granted,omitempty"`
}

// ReauthorizeDraft starts a reauthorization by consent: empty fields mean
// "Reauthorize with existing credentials"; a new Client ID and Client Secret
// mean "Reauthorize with new credentials".
type ReauthorizeDraft struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	// Confirm stops after consent (state authorized): the new token
	// replaces the old one only when CompleteConsent (Validate Connection)
	// validates it (seeds 000/001: returned to the re-authentication page,
	// then Validate Connection).
	Confirm bool `json:"confirm,omitempty"`
}

// ErrCannotRefresh is the message of a manual refresh of a permanently
// broken connection (seed 004).
const ErrCannotRefresh = "Connection cannot be refreshed. Please reconnect your connection."
