// Package providers owns the provider catalogue (embedded data) and the
// validation request each provider answers: build it from the catalogue, send
// it, and classify the answer.
package providers

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// catalogueGz is catalogue.json, gzip-compressed: 7 KB in the binary
// instead of 50 (issue 18: the desktop binary within 2x the bare Wails
// template). catalogue.json is the source; after editing it, write the
// compressed copy with
//
//	go test ./backend/providers -run TestCatalogueGzFresh -update-catalogue
//
// (TestCatalogueGzFresh fails while the two differ).
//
//go:embed catalogue.json.gz
var catalogueGz []byte

// Provider is one entry of the catalogue: a third-party service and the ways
// to authenticate with it.
type Provider struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Category     string `json:"category"`
	CloudBaseURL string `json:"cloudBaseUrl,omitempty"`
	// SelfHosted allows a base URL other than CloudBaseURL.
	SelfHosted    bool   `json:"selfHosted"`
	StatusPageURL string `json:"statusPageUrl,omitempty"`
	DocsURL       string `json:"docsUrl,omitempty"`
	// GitHost is the web host git clones from when the connection uses the
	// cloud (github.com for api.github.com); self-hosted connections serve
	// their base URL's host.
	GitHost string `json:"gitHost,omitempty"`
	Modes   []Mode `json:"modes"`
	// Inventory lists the provider's items (fetch_inventory, new_items).
	Inventory *InventorySpec `json:"inventory,omitempty"`
	// Post sends a message (post_summary).
	Post *PostSpec `json:"post,omitempty"`
	// Linked names providers created together with this one that share its
	// credential (Azure DevOps Boards → Repos and Pipelines): re-authenticating
	// any of them updates all.
	Linked []string `json:"linked,omitempty"`
}

// Mode is one auth mode of a provider: the fields the user fills in, how the
// secret is sent and how the validation request is made and read.
type Mode struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Fields []Field `json:"fields"`
	// Reauth is false for modes that cannot be re-authenticated (Jira Connect
	// app, GitHub App); ReauthNote then says what to do instead.
	Reauth     bool   `json:"reauth"`
	ReauthNote string `json:"reauthNote,omitempty"`
	// Auth says how the secret is sent: a header name and a value template
	// ("Bearer {{token}}", "{{apiKey}}", "basic:{{email}}:{{token}}").
	Auth     AuthSpec     `json:"auth"`
	Validate ValidateSpec `json:"validate"`
	// GitUsername is the username git sends with this mode's token over
	// HTTPS (patchbay git-credential): x-access-token for GitHub, oauth2
	// for GitLab, x-token-auth for Bitbucket OAuth; empty when git does not
	// use the provider.
	GitUsername string `json:"gitUsername,omitempty"`
	// OAuth describes a consent-based mode (authorization code + PKCE); such
	// modes are connected through the provider's consent screen, not a form.
	OAuth *OAuthSpec `json:"oauth,omitempty"`
	// OAuth1 is set for the OAuth 1.0a (RSA-SHA1) application-link flow:
	// Generate URL, allow, paste the verification code, Verify, Complete.
	OAuth1 *OAuth1Spec `json:"oauth1,omitempty"`
	// AppToken is set for GitHub App installations: every request carries
	// an installation access token ({{accessToken}}) that Patchbay mints
	// from the app's ID and private key and mints again before it expires.
	AppToken *AppTokenSpec `json:"appToken,omitempty"`
	// Inventory replaces the provider's inventory request for this mode
	// (a GitHub App lists /installation/repositories, not /user/repos).
	Inventory *InventorySpec `json:"inventory,omitempty"`
	// Notes are the maintainers' notes on the mode (JSON has no comments):
	// which vendor document its requests follow and which earlier beliefs
	// turned out wrong. Never shown to users.
	Notes string `json:"notes,omitempty"`
}

// AppTokenSpec says how to mint a GitHub App installation access token: an
// RS256 JWT signed with the app's private key (iss = app ID, at most 10
// minutes long) is exchanged at URL (a path joined to the base URL) for a
// token valid one hour (docs.github.com, "Generating an installation access
// token for a GitHub App").
type AppTokenSpec struct {
	URL string `json:"url"`
}

// OAuthSpec holds a provider's OAuth 2.0 endpoints and scopes.
type OAuthSpec struct {
	AuthorizeURL string `json:"authorizeUrl"`
	TokenURL     string `json:"tokenUrl"`
	// RevokeURL is the RFC 7009 revocation endpoint (a template; empty when
	// the provider has none Patchbay knows).
	RevokeURL string   `json:"revokeUrl,omitempty"`
	Scopes    []string `json:"scopes"`
	PKCE      bool     `json:"pkce"`
	// RotatesTokens records whether the vendor documents a new refresh
	// token on every refresh, for the catalogue's readers: no code acts on
	// it. The refresher stores a new refresh token when a refresh answer has
	// one and keeps the old one when it has none (RFC 6749 section 6), so
	// either value works against either behaviour.
	RotatesTokens bool `json:"rotatesTokens"`
	// Redirect says which redirect URIs the provider accepts: "any-port"
	// (a loopback URI with any port, RFC 8252; the default), "exact" (only
	// the URI registered for the app: pin a port) or "https" (only HTTPS:
	// the team registers an HTTPS page that forwards to the pinned port).
	Redirect string `json:"redirect,omitempty"`
	// RedirectHelp explains the provider's redirect rule in the form.
	RedirectHelp string `json:"redirectHelp,omitempty"`
	// Discovery fills empty authorizeUrl, tokenUrl and userinfoUrl fields
	// from the OpenID Connect discovery document of the "issuer" field.
	Discovery bool `json:"discovery,omitempty"`
	// Sites is set for providers whose OAuth tokens reach a site through a
	// gateway (Jira Cloud 3LO): which sites a token was granted, and where
	// its API calls go once the connection's site is known.
	Sites *SitesSpec `json:"sites,omitempty"`
	// RefreshSendsRedirect: refresh grants must repeat the authorization's
	// redirect URI (Jira Data Center answers invalid_grant otherwise).
	RefreshSendsRedirect bool `json:"refreshSendsRedirect,omitempty"`
	// AuthParams are extra authorize parameters (Atlassian: audience, prompt).
	AuthParams map[string]string `json:"authParams,omitempty"`
	// ScopeSeparator joins the scope parameter when the provider does not
	// take RFC 6749's spaces (Slack: a comma-separated list).
	ScopeSeparator string `json:"scopeSeparator,omitempty"`
	// TokenAuth is how the client authenticates at the token endpoint, as
	// the vendor documents it (RFC 6749 section 2.3.1; the names of RFC
	// 7591): TokenAuthBasic or TokenAuthPost. Required: left to x/oauth2's
	// auto-detection, every refused token request was sent twice. For
	// Discovery modes it is the default when the server lists neither.
	TokenAuth string `json:"tokenAuth"`
}

// Client authentication methods at a token endpoint (RFC 7591 section 2).
const (
	// TokenAuthBasic: client_id and client_secret in a Basic Authorization header.
	TokenAuthBasic = "client_secret_basic"
	// TokenAuthPost: client_id and client_secret in the request body.
	TokenAuthPost = "client_secret_post"
)

// ConfigTokenAuth is the Config key where a Discovery mode's connection
// keeps the method its server's metadata chose (ChooseTokenAuth).
const ConfigTokenAuth = "tokenAuthMethod"

// TokenAuthMethod is the client authentication of a connection's token
// requests: the method discovery recorded in its config, else the mode's.
func (o *OAuthSpec) TokenAuthMethod(values map[string]string) string {
	if v := values[ConfigTokenAuth]; o.Discovery && (v == TokenAuthBasic || v == TokenAuthPost) {
		return v
	}
	return o.TokenAuth
}

// ChooseTokenAuth picks the client authentication from a server's
// token_endpoint_auth_methods_supported (RFC 8414, OpenID Connect
// Discovery): Basic when it is listed or the list is empty (their default,
// and RFC 6749 section 2.3.1's MUST), else the body when that is listed,
// else fallback.
func ChooseTokenAuth(supported []string, fallback string) string {
	switch {
	case len(supported) == 0 || slices.Contains(supported, TokenAuthBasic):
		return TokenAuthBasic
	case slices.Contains(supported, TokenAuthPost):
		return TokenAuthPost
	}
	return fallback
}

// ScopeParam returns scopes as the provider's authorize request takes them:
// one element joined by ScopeSeparator when it has one (x/oauth2 joins the
// elements with spaces).
func (o *OAuthSpec) ScopeParam(scopes []string) []string {
	if o.ScopeSeparator == "" || len(scopes) < 2 {
		return scopes
	}
	return []string{strings.Join(scopes, o.ScopeSeparator)}
}

// OAuth1Spec holds the OAuth 1.0a endpoint templates ({{baseUrl}}).
type OAuth1Spec struct {
	RequestTokenURL string `json:"requestTokenUrl"`
	AuthorizeURL    string `json:"authorizeUrl"`
	AccessTokenURL  string `json:"accessTokenUrl"`
}

// OAuth1Endpoints renders the mode's OAuth 1.0a endpoints for a base URL.
func (m *Mode) OAuth1Endpoints(baseURL string) (requestToken, authorize, accessToken string) {
	v := map[string]string{"baseUrl": strings.TrimRight(baseURL, "/")}
	return render(m.OAuth1.RequestTokenURL, v), render(m.OAuth1.AuthorizeURL, v), render(m.OAuth1.AccessTokenURL, v)
}

// SitesSpec describes a token's accessible sites and the API gateway.
type SitesSpec struct {
	// URL lists the sites a token may use: [{id, name, url, scopes}].
	URL string `json:"url"`
	// APIBase is the base of API calls, with {{cloudId}} for the site's id.
	APIBase string `json:"apiBase"`
}

// Redirect rules of OAuthSpec.Redirect.
const (
	RedirectAnyPort = "any-port"
	RedirectExact   = "exact"
	RedirectHTTPS   = "https"
)

// Field is one input of an auth mode's form.
type Field struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Kind     string `json:"kind"` // text, email, url, secret
	Required bool   `json:"required"`
	Default  string `json:"default,omitempty"`
	Help     string `json:"help,omitempty"`
	// Format is a regular expression a well-formed value matches; a mismatch
	// is a warning, never a refusal (providers change their token formats).
	Format     string `json:"format,omitempty"`
	FormatHint string `json:"formatHint,omitempty"`
	// Multiple lets a secret field hold several values, one per line (a pool
	// of GitHub PATs from service accounts, used to spread rate limits).
	Multiple bool `json:"multiple,omitempty"`
	// Multiline is one value over several lines (a PEM private key).
	Multiline bool `json:"multiline,omitempty"`
	// Legacy is the value assumed for connections created before the field
	// existed (Azure DevOps Entra tenant: "common", the old fixed endpoint).
	Legacy string `json:"legacy,omitempty"`
	// DeriveFrom fills an empty value from another field's value: the first
	// group of Pattern (Harness: the account ID inside the API key).
	DeriveFrom *Derive `json:"deriveFrom,omitempty"`
}

// Derive reads a field's value out of another field.
type Derive struct {
	Field   string `json:"field"`
	Pattern string `json:"pattern"`
}

// Secret reports whether the field's value belongs in the secret store.
func (f Field) Secret() bool { return f.Kind == "secret" }

// AuthSpec says how credentials are attached to a request.
type AuthSpec struct {
	Header string `json:"header"`
	Value  string `json:"value"`
}

// ValidateSpec describes the validation request and how to read its answer.
type ValidateSpec struct {
	Method string `json:"method"`
	// URL is a template: absolute ("{{validationUrl}}") or a path joined to
	// the connection's base URL ("/rest/api/3/myself").
	URL string `json:"url"`
	// IdentityField is a dotted path into the JSON answer ("login",
	// "user.email"); empty when the answer carries no identity.
	IdentityField string `json:"identityField,omitempty"`
	// IdentityFallbacks are tried in order when IdentityField is absent or
	// empty (OpenID Connect userinfo guarantees only "sub": email,
	// preferred_username, name, then sub).
	IdentityFallbacks []string `json:"identityFallbacks,omitempty"`
	// ScopesHeader names the response header listing granted scopes.
	ScopesHeader string `json:"scopesHeader,omitempty"`
	// RequiredScopes are the scopes Patchbay needs; missing ones are named.
	RequiredScopes []string `json:"requiredScopes,omitempty"`
	// ExpiryHeader names a response header carrying the token's expiry.
	ExpiryHeader string `json:"expiryHeader,omitempty"`
	// RateRemainingHeader / RateResetHeader name the rate-limit headers.
	RateRemainingHeader string `json:"rateRemainingHeader,omitempty"`
	RateLimitHeader     string `json:"rateLimitHeader,omitempty"`
	RateResetHeader     string `json:"rateResetHeader,omitempty"`
	// Reader names a provider-specific reader for answers the generic rules
	// misread (Slack's HTTP 200 with ok:false, Azure DevOps' sign-in page).
	Reader string `json:"reader,omitempty"`
}

// Catalogue is the parsed, validated provider catalogue.
type Catalogue struct {
	Providers []Provider `json:"providers"`
	byID      map[string]*Provider
}

// Load parses and validates the embedded catalogue.
func Load() (*Catalogue, error) {
	data, err := catalogueJSON()
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// catalogueJSON is the embedded catalogue.json.
func catalogueJSON() ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(catalogueGz))
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	return data, nil
}

// Parse parses and validates a catalogue document.
func Parse(data []byte) (*Catalogue, error) {
	var c Catalogue
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("parse provider catalogue: %w", err)
	}
	c.byID = make(map[string]*Provider, len(c.Providers))
	for i := range c.Providers {
		p := &c.Providers[i]
		if err := p.check(); err != nil {
			return nil, fmt.Errorf("provider catalogue: %w", err)
		}
		if _, dup := c.byID[p.ID]; dup {
			return nil, fmt.Errorf("provider catalogue: duplicate provider id %q", p.ID)
		}
		c.byID[p.ID] = p
		p.addRedirectFields()
	}
	for _, p := range c.Providers {
		for _, l := range p.Linked {
			lp, ok := c.byID[l]
			if !ok {
				return nil, fmt.Errorf("provider catalogue: %s links unknown provider %q", p.ID, l)
			}
			for _, m := range p.Modes {
				if _, ok := lp.Mode(m.ID); !ok {
					return nil, fmt.Errorf("provider catalogue: linked provider %s lacks mode %s", l, m.ID)
				}
			}
		}
	}
	return &c, nil
}

// Provider returns the provider with the given id.
func (c *Catalogue) Provider(id string) (*Provider, bool) {
	p, ok := c.byID[id]
	return p, ok
}

// Mode returns the provider's auth mode with the given id.
func (p *Provider) Mode(id string) (*Mode, bool) {
	for i := range p.Modes {
		if p.Modes[i].ID == id {
			return &p.Modes[i], true
		}
	}
	return nil, false
}

var templateVar = regexp.MustCompile(`\{\{([A-Za-z0-9_]+)\}\}`)

func (p *Provider) check() error {
	if p.ID == "" || p.Name == "" {
		return fmt.Errorf("provider %q: id and name are required", p.ID)
	}
	if len(p.Modes) == 0 {
		return fmt.Errorf("provider %s: at least one auth mode is required", p.ID)
	}
	if p.Post != nil && p.Post.Reader != "" && readers[p.Post.Reader] == nil {
		return fmt.Errorf("provider %s: unknown post reader %q", p.ID, p.Post.Reader)
	}
	if p.Inventory != nil {
		if err := p.Inventory.check(); err != nil {
			return fmt.Errorf("provider %s: %w", p.ID, err)
		}
	}
	if !p.SelfHosted && p.CloudBaseURL == "" {
		return fmt.Errorf("provider %s: a cloud base URL is required unless self-hosted", p.ID)
	}
	for i := range p.Modes {
		m := &p.Modes[i]
		known := map[string]bool{"baseUrl": true}
		if m.OAuth != nil || m.AppToken != nil {
			known["accessToken"] = true // minted by consent or from the app's key, not typed
		}
		for _, f := range m.Fields {
			if f.Key == "" || f.Label == "" {
				return fmt.Errorf("provider %s mode %s: every field needs a key and a label", p.ID, m.ID)
			}
			if f.Format != "" {
				if _, err := regexp.Compile(f.Format); err != nil {
					return fmt.Errorf("provider %s field %s: bad format: %w", p.ID, f.Key, err)
				}
			}
			if f.DeriveFrom != nil {
				if re, err := regexp.Compile(f.DeriveFrom.Pattern); err != nil || re.NumSubexp() < 1 {
					return fmt.Errorf("provider %s field %s: deriveFrom needs a pattern with a group", p.ID, f.Key)
				}
			}
			known[f.Key] = true
		}
		for _, tpl := range []string{m.Auth.Header, m.Auth.Value, m.Validate.URL} {
			for _, v := range templateVar.FindAllStringSubmatch(tpl, -1) {
				if !known[v[1]] {
					return fmt.Errorf("provider %s mode %s: template names unknown field %q", p.ID, m.ID, v[1])
				}
			}
		}
		if m.Validate.URL == "" || m.Auth.Header == "" {
			return fmt.Errorf("provider %s mode %s: auth header and validation URL are required", p.ID, m.ID)
		}
		if !m.Reauth && m.ReauthNote == "" {
			return fmt.Errorf("provider %s mode %s: a mode without re-authentication must say what to do instead", p.ID, m.ID)
		}
		if m.Validate.Reader != "" && readers[m.Validate.Reader] == nil {
			return fmt.Errorf("provider %s mode %s: unknown reader %q", p.ID, m.ID, m.Validate.Reader)
		}
		if m.OAuth != nil && (m.OAuth.AuthorizeURL == "" || m.OAuth.TokenURL == "") {
			return fmt.Errorf("provider %s mode %s: OAuth needs authorize and token URLs", p.ID, m.ID)
		}
		if m.OAuth != nil {
			switch m.OAuth.Redirect {
			case "", RedirectAnyPort, RedirectExact, RedirectHTTPS:
			default:
				return fmt.Errorf("provider %s mode %s: unknown redirect rule %q", p.ID, m.ID, m.OAuth.Redirect)
			}
			if m.OAuth.TokenAuth != TokenAuthBasic && m.OAuth.TokenAuth != TokenAuthPost {
				return fmt.Errorf("provider %s mode %s: tokenAuth must be %s or %s (the vendor's documented client authentication), not %q",
					p.ID, m.ID, TokenAuthBasic, TokenAuthPost, m.OAuth.TokenAuth)
			}
		}
		if m.Validate.Method == "" {
			m.Validate.Method = "GET"
		}
		if m.Inventory != nil {
			if err := m.Inventory.check(); err != nil {
				return fmt.Errorf("provider %s mode %s: %w", p.ID, m.ID, err)
			}
		}
	}
	return nil
}

// render fills {{field}} placeholders from values.
func render(tpl string, values map[string]string) string {
	return templateVar.ReplaceAllStringFunc(tpl, func(s string) string {
		return values[strings.Trim(s, "{}")]
	})
}

var regexCache sync.Map // pattern -> *regexp.Regexp

// compiled returns the compiled form of a catalogue regular expression.
func compiled(pattern string) (*regexp.Regexp, error) {
	if re, ok := regexCache.Load(pattern); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	regexCache.Store(pattern, re)
	return re, nil
}

// AllSelfHosted returns a copy of the catalogue in which every provider
// accepts a base URL: --demo points cloud-only providers (Bitbucket, Slack)
// at the fake server's address.
func (c *Catalogue) AllSelfHosted() *Catalogue {
	out := &Catalogue{Providers: make([]Provider, len(c.Providers)), byID: map[string]*Provider{}}
	copy(out.Providers, c.Providers)
	for i := range out.Providers {
		out.Providers[i].SelfHosted = true
		out.byID[out.Providers[i].ID] = &out.Providers[i]
	}
	return out
}

// WithCloudAt returns a copy of the catalogue whose fixed cloud OAuth
// endpoints (authorize, token, accessible sites and their API gateway) are
// those of the fake server at base: --demo and tests never reach a real
// provider. Generic modes, whose URLs the user types, are left alone.
func (c *Catalogue) WithCloudAt(base string) *Catalogue {
	out := &Catalogue{Providers: make([]Provider, len(c.Providers)), byID: map[string]*Provider{}}
	copy(out.Providers, c.Providers)
	for i := range out.Providers {
		p := &out.Providers[i]
		p.Modes = append([]Mode(nil), p.Modes...)
		for j := range p.Modes {
			m := &p.Modes[j]
			if m.OAuth == nil || !strings.HasPrefix(m.OAuth.AuthorizeURL, "https://") {
				continue
			}
			o := *m.OAuth
			// The fake serves each vendor's endpoints at their real paths
			// under /cloud/{host}, in the vendor's own dialect.
			o.AuthorizeURL, o.TokenURL = base+"/cloud/"+strings.TrimPrefix(o.AuthorizeURL, "https://"), base+"/cloud/"+strings.TrimPrefix(o.TokenURL, "https://")
			if o.Sites != nil {
				o.Sites = &SitesSpec{URL: base + "/oauth/accessible-resources", APIBase: base + "/atlassian/ex/jira/{{cloudId}}"}
			}
			m.OAuth = &o
		}
		out.byID[p.ID] = p
	}
	return out
}

// OAuthURLs renders the mode's authorize and token URL templates with the
// connection's values (base URL, or the URLs a generic provider was given).
func (m *Mode) OAuthURLs(baseURL string, values map[string]string) (authorize, token string) {
	v := map[string]string{"baseUrl": baseURL}
	for _, f := range m.Fields {
		if f.Legacy != "" {
			v[f.Key] = f.Legacy
		}
	}
	for k, x := range values {
		if x != "" {
			v[k] = x
		}
	}
	return render(m.OAuth.AuthorizeURL, v), render(m.OAuth.TokenURL, v)
}

// RevokeURL renders the mode's revocation endpoint ("" if it has none).
func (m *Mode) RevokeURL(baseURL string, values map[string]string) string {
	if m.OAuth == nil || m.OAuth.RevokeURL == "" {
		return ""
	}
	v := map[string]string{"baseUrl": baseURL}
	for k, x := range values {
		v[k] = x
	}
	return strings.TrimSpace(render(m.OAuth.RevokeURL, v))
}

// addRedirectFields gives every OAuth mode the two optional fields of its
// redirect: the pinned loopback port and the registered redirect URI
// (required by "exact" and "https" providers respectively).
func (p *Provider) addRedirectFields() {
	for i := range p.Modes {
		m := &p.Modes[i]
		if m.OAuth == nil {
			continue
		}
		if m.OAuth.Redirect == "" {
			m.OAuth.Redirect = RedirectAnyPort
		}
		m.Fields = append(m.Fields,
			Field{Key: "redirectPort", Label: "Callback port", Kind: "text", Required: m.OAuth.Redirect != RedirectAnyPort,
				Help: "Pin the local port Patchbay listens on for the provider's redirect (1024–65535). Leave empty for a random port when the provider accepts any loopback port."},
			Field{Key: "redirectUri", Label: "Registered HTTPS redirect URI", Kind: "url", Required: m.OAuth.Redirect == RedirectHTTPS,
				Help: "Only for providers that require an HTTPS redirect: the URI registered with your OAuth app, served by a page that forwards the browser with its query string to http://127.0.0.1:<callback port>/."},
		)
	}
}
