package providers

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/oauth1"
)

// appTokenAhead is how long before its expiry an installation token is
// replaced (GitHub's tokens live one hour).
const appTokenAhead = 5 * time.Minute

// appTokens caches minted installation tokens in memory (never on disk:
// they are re-mintable from the stored key), keyed by a hash of the base
// URL, app, installation and key.
type appTokens struct {
	mu     sync.Mutex
	tokens map[string]appToken
	mint   sync.Mutex // one mint at a time: concurrent checks share it
}

// sharedApps serves validators made without NewValidator.
var sharedApps = &appTokens{}

func (v *Validator) appCache() *appTokens {
	if v.apps == nil {
		return sharedApps
	}
	return v.apps
}

type appToken struct {
	token   string
	expires time.Time
}

func (c *appTokens) get(key string, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[key]
	if !ok || !now.Before(t.expires.Add(-appTokenAhead)) {
		return "", false
	}
	return t.token, true
}

func (c *appTokens) put(key string, t appToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tokens == nil {
		c.tokens = map[string]appToken{}
	}
	c.tokens[key] = t
}

func (c *appTokens) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.tokens, key)
}

// appTokenKey identifies the installation a token is for.
func appTokenKey(t Target) string {
	h := sha256.Sum256([]byte(t.BaseURL + "\x00" + t.Values["appId"] + "\x00" + t.Values["installationId"] + "\x00" + t.Values["privateKey"]))
	return hex.EncodeToString(h[:])
}

// installationToken returns a live installation access token for t, minting
// one when none is cached or the cached one expires within appTokenAhead.
// A failure is a classified result.
func (v *Validator) installationToken(ctx context.Context, t Target) (string, *domain.CheckResult) {
	if t.Values["privateKey"] == "" {
		// Connections made before Patchbay minted tokens stored a pasted
		// installation token, which GitHub expires after an hour.
		return "", &domain.CheckResult{Class: domain.ClassInvalidCredentials,
			Message: "This GitHub App connection holds a pasted installation token, which GitHub expires after one hour. Delete it and add the integration again with the App ID, installation ID and private key: Patchbay then mints new tokens by itself."}
	}
	key := appTokenKey(t)
	now := v.now()
	apps := v.appCache()
	if tok, ok := apps.get(key, now); ok {
		return tok, nil
	}
	apps.mint.Lock()
	defer apps.mint.Unlock()
	if tok, ok := apps.get(key, now); ok {
		return tok, nil
	}
	tok, res := v.mintInstallationToken(ctx, t, now)
	if res != nil {
		return "", res
	}
	apps.put(key, tok)
	return tok.token, nil
}

// mintInstallationToken signs an app JWT and exchanges it for an
// installation token (POST /app/installations/{id}/access_tokens → 201
// {"token":"ghs_…","expires_at":"…"}).
func (v *Validator) mintInstallationToken(ctx context.Context, t Target, now time.Time) (appToken, *domain.CheckResult) {
	fail := func(class domain.Class, msg string) (appToken, *domain.CheckResult) {
		return appToken{}, &domain.CheckResult{Class: class, Message: msg}
	}
	jwt, err := appJWT(t.Values["appId"], t.Values["privateKey"], now)
	if err != nil {
		return fail(domain.ClassInvalidCredentials, "The GitHub App's private key could not be read ("+err.Error()+"). Paste the whole .pem file from the app's settings.")
	}
	target, err := JoinURL("validationUrl", t.BaseURL, render(t.Mode.AppToken.URL, withBase(t)))
	if err != nil {
		return fail(domain.ClassMisconfigured, domain.Public(err).Message)
	}
	ctx, cancel := context.WithTimeout(ctx, v.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, nil)
	if err != nil {
		return fail(domain.ClassMisconfigured, fmt.Sprintf("Cannot build the request: %v.", err))
	}
	req.Header.Set("Authorization", "Bearer "+jwt)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", "Patchbay")
	resp, err := v.Client.Do(req)
	if err != nil {
		r := classifyTransport(err, v.Timeout)
		return appToken{}, &r
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		r := classifyTransport(err, v.Timeout)
		return appToken{}, &r
	}
	msg := providerMessage(body)
	said := ""
	if msg != "" {
		said = " GitHub said: “" + msg + "”"
	}
	switch code := resp.StatusCode; {
	case code == http.StatusCreated || code == http.StatusOK:
		var a struct {
			Token     string    `json:"token"`
			ExpiresAt time.Time `json:"expires_at"`
		}
		if json.Unmarshal(body, &a) != nil || a.Token == "" {
			return fail(domain.ClassMisconfigured, "GitHub answered the installation token request without a token. Check that the URL is the GitHub API (https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server).")
		}
		if a.ExpiresAt.IsZero() {
			a.ExpiresAt = now.Add(time.Hour)
		}
		return appToken{token: a.Token, expires: a.ExpiresAt}, nil
	case code == http.StatusUnauthorized && strings.Contains(strings.ToLower(msg), "claim"):
		// 'Issued at' / 'Expiration time' claims: this computer's clock is off.
		return fail(domain.ClassMisconfigured, "GitHub refused the app's JWT because of its times; check that this computer's clock is correct."+said)
	case code == http.StatusUnauthorized:
		return fail(domain.ClassInvalidCredentials, "GitHub rejected the app's JWT: check the App ID and that the private key belongs to this app and was not deleted."+said)
	case code == http.StatusNotFound:
		return fail(domain.ClassRevoked, "GitHub does not know this installation: the app was uninstalled, or the installation ID is wrong."+said)
	case code == http.StatusForbidden && !isZero(resp.Header, "X-RateLimit-Remaining") && resp.Header.Get("Retry-After") == "":
		return fail(domain.ClassRevoked, "GitHub refused an installation token: the installation is suspended or the app lost access."+said)
	default:
		r := Classify(resp, body, ValidateSpec{RateRemainingHeader: "X-RateLimit-Remaining", RateResetHeader: "X-RateLimit-Reset"}, now)
		r.Message = "Minting the installation token failed: " + r.Message
		return appToken{}, &r
	}
}

// appJWT is the RS256 JSON Web Token a GitHub App authenticates as itself
// with: iat 60 s in the past (clock drift), exp 9 minutes ahead (GitHub
// allows at most 10), iss the app ID or client ID.
func appJWT(appID, pemKey string, now time.Time) (string, error) {
	key, err := oauth1.ParsePrivateKey(pemKey)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	var iss any = appID // a client ID (Iv…) is a string
	if n, err := strconv.ParseInt(appID, 10, 64); err == nil {
		iss = n // an App ID is the integer GitHub's examples use
	}
	claims, err := json.Marshal(map[string]any{"iat": now.Add(-60 * time.Second).Unix(), "exp": now.Add(9 * time.Minute).Unix(), "iss": iss})
	if err != nil {
		return "", err
	}
	signing := header + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign the app JWT: %w", err)
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

// InstallationToken returns a live installation access token of a GitHub
// App mode's target (cached, minted when needed), for patchbay token and
// the git credential helper; a failure is a classified result.
func (v *Validator) InstallationToken(ctx context.Context, t Target) (string, *domain.CheckResult) {
	return v.installationToken(ctx, t)
}
