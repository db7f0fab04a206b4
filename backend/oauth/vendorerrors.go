package oauth

import (
	"regexp"
	"strings"

	"golang.org/x/oauth2"

	"patchbay/backend/domain"
)

// vendorGrantErrors are token-endpoint error codes outside RFC 6749 that
// vendors document for a grant or client that no longer works. Slack and
// GitHub send them with HTTP 200, so the status says nothing; the code does.
var vendorGrantErrors = map[string]struct {
	class domain.Class
	what  string
}{
	// GitHub: docs.github.com "Refreshing user access tokens",
	// "Troubleshooting OAuth app access token request errors".
	"bad_refresh_token":            {domain.ClassRevoked, "GitHub says the refresh token is incorrect or expired (bad_refresh_token). It expired, was revoked or was already used; reconnect to grant access again."},
	"bad_verification_code":        {domain.ClassExpired, "GitHub says the authorization code is incorrect or expired (bad_verification_code). Start the connection again."},
	"incorrect_client_credentials": {domain.ClassInvalidCredentials, "GitHub rejected the OAuth app's client ID or secret (incorrect_client_credentials). Check them, then reauthorize with new credentials."},
	// Slack: docs.slack.dev/reference/methods/oauth.v2.access (errors) and
	// using-token-rotation.
	"invalid_refresh_token": {domain.ClassRevoked, "Slack says the refresh token is invalid (invalid_refresh_token): it was revoked, already used or the app was uninstalled. Reconnect to grant access again."},
	"invalid_code":          {domain.ClassExpired, "Slack says the authorization code is invalid or expired (invalid_code). Start the connection again."},
	"token_revoked":         {domain.ClassRevoked, "Slack says the token was revoked (token_revoked). Reconnect to grant access again."},
	"token_expired":         {domain.ClassExpired, "Slack says the token has expired (token_expired). Reconnect to grant access again."},
	"account_inactive":      {domain.ClassRevoked, "Slack says the account or workspace is inactive (account_inactive). Reconnect with an active account."},
	"invalid_auth":          {domain.ClassInvalidCredentials, "Slack rejected the credentials (invalid_auth). Reconnect to grant access again."},
	"invalid_client_id":     {domain.ClassInvalidCredentials, "Slack does not know the OAuth app's client ID (invalid_client_id). Check it, then reauthorize with new credentials."},
	"bad_client_secret":     {domain.ClassInvalidCredentials, "Slack rejected the OAuth app's client secret (bad_client_secret). Check it, then reauthorize with new credentials."},
	// OpenID Connect Core 3.1.2.6, used by Microsoft Entra
	// (learn.microsoft.com v2-oauth2-auth-code-flow, error codes table).
	"interaction_required": {domain.ClassExpired, "The provider needs you to sign in again (interaction_required: multi-factor authentication or a changed sign-in policy). Reconnect to sign in."},
	"login_required":       {domain.ClassExpired, "The provider needs you to sign in again (login_required). Reconnect to sign in."},
	"consent_required":     {domain.ClassRevoked, "The provider says consent for Patchbay is missing or was withdrawn (consent_required). Reconnect and approve the requested access (an administrator may have to grant consent)."},
}

var aadsts = regexp.MustCompile(`AADSTS(\d+)`)

// entraAdvice is what to change for the Microsoft Entra errors caused by
// how the app is registered (learn.microsoft.com reference-error-codes).
var entraAdvice = map[string]struct {
	class domain.Class
	what  string
}{
	"50194":   {domain.ClassMisconfigured, "The app registration is single-tenant, so Microsoft Entra refuses the shared /common endpoint (AADSTS50194). Enter your directory (tenant) ID or domain, e.g. contoso.onmicrosoft.com, in the Tenant field."},
	"700025":  {domain.ClassInvalidCredentials, "The app is registered as a public client, which must not send a client secret (AADSTS700025). Patchbay connects as a confidential client: in the app registration turn off \"Allow public client flows\", add a client secret and enter it."},
	"7000218": {domain.ClassInvalidCredentials, "The app is a confidential client and needs its client secret (AADSTS7000218). Create one under Certificates & secrets and enter it."},
	"7000215": {domain.ClassInvalidCredentials, "Microsoft Entra rejected the client secret (AADSTS7000215). Enter the secret's value (not its ID), or create a new one under Certificates & secrets."},
	"7000222": {domain.ClassInvalidCredentials, "The app's client secret has expired (AADSTS7000222). Create a new one under Certificates & secrets, then reauthorize with it."},
	"90002":   {domain.ClassMisconfigured, "Microsoft Entra does not know this tenant (AADSTS90002). Check the Tenant field: a directory ID, or a domain such as contoso.onmicrosoft.com."},
}

// vendorError reads the vendor-specific answers of a token endpoint; ok is
// false when the generic RFC 6749 rules apply.
func vendorError(re *oauth2.RetrieveError) (domain.CheckResult, bool) {
	res := domain.CheckResult{HTTPStatus: re.Response.StatusCode}
	if m := aadsts.FindStringSubmatch(re.ErrorDescription); m != nil {
		if a, ok := entraAdvice[m[1]]; ok {
			res.Class, res.Message = a.class, a.what
			return res, true
		}
	}
	v, ok := vendorGrantErrors[re.ErrorCode]
	if !ok {
		return res, false
	}
	res.Class, res.Message = v.class, v.what
	if d := strings.TrimSpace(re.ErrorDescription); d != "" && re.ErrorCode != "bad_refresh_token" && re.ErrorCode != "bad_verification_code" {
		if len(d) > 200 {
			d = d[:200] + "…"
		}
		res.Message += " It said: “" + d + "”"
	}
	return res, true
}
