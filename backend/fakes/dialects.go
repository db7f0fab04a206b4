package fakes

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// EntraPublicClientID is a fake Microsoft Entra app registered as a public
// client ("Allow public client flows"): it must not send a client secret.
// OAuthClientID is registered as a confidential, single-tenant app: it must
// send one, and only its tenant's endpoints (not /common) accept it.
const (
	EntraPublicClientID = OAuthClientID + "-public"
	// EntraTenant is the fake app's directory (tenant) domain.
	EntraTenant = "contoso.onmicrosoft.com"
	// EntraTenantID is the same directory's id.
	EntraTenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
)

// dialect is how one vendor's token endpoint answers: its path under
// /cloud/{host}, the token prefixes it issues, and the shape of its errors
// and grants. Every shape names the vendor document it reproduces.
type dialect struct {
	name                 string
	path                 string // token endpoint under /cloud/, with the vendor's host
	authorizePath        string // authorize endpoint under /cloud/
	accessPrefix         string
	refreshPrefix        string
	refreshNeedsRedirect bool
	refreshRevokesAccess bool // a refresh revokes the grant's earlier access tokens
}

var (
	// RFC 6749 section 5.1 / 5.2 (and the fake's generic /oauth/token).
	dialectRFC = dialect{name: "rfc", accessPrefix: "at-", refreshPrefix: "rt-"}
	// Jira Data Center 9.x "OAuth 2.0 provider API" (confluence.atlassian.com,
	// "Jira OAuth 2.0 provider API"): RFC-shaped, refresh repeats redirect_uri.
	dialectJiraDC = dialect{name: "jiradc", accessPrefix: "at-", refreshPrefix: "rt-", refreshNeedsRedirect: true}
	// GitLab: docs.gitlab.com/api/oauth2 ("OAuth 2.0 identity provider
	// API"): opaque 64-hex tokens, the refresh request repeats redirect_uri
	// and "invalidates the existing access_token and refresh_token"; errors
	// are Doorkeeper's (gitlab_oauth.go).
	dialectGitLab = dialect{name: "gitlab", refreshNeedsRedirect: true, refreshRevokesAccess: true}
	// Slack: docs.slack.dev/reference/methods/oauth.v2.access and
	// docs.slack.dev/authentication/using-token-rotation.
	dialectSlack = dialect{name: "slack", path: "slack.com/api/oauth.v2.access", authorizePath: "slack.com/oauth/v2/authorize",
		accessPrefix: "xoxe.xoxb-1-", refreshPrefix: "xoxe-1-"}
	// GitHub: docs.github.com "Authorizing OAuth apps", "Refreshing user
	// access tokens" and "Troubleshooting OAuth app access token request errors".
	dialectGitHub = dialect{name: "github", path: "github.com/login/oauth/access_token", authorizePath: "github.com/login/oauth/authorize",
		accessPrefix: "ghu_", refreshPrefix: "ghr_"}
	// Atlassian: developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps
	// and .../oauth/getting-started/refresh-tokens.
	dialectAtlassian = dialect{name: "atlassian", path: "auth.atlassian.com/oauth/token", authorizePath: "auth.atlassian.com/authorize",
		accessPrefix: "at-", refreshPrefix: "rt-"}
	// Microsoft Entra: learn.microsoft.com/entra/identity-platform/
	// v2-oauth2-auth-code-flow (error response) and reference-error-codes.
	dialectEntra = dialect{name: "entra", path: "login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
		authorizePath: "login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize", accessPrefix: "eyJ0eXAi.", refreshPrefix: "0.AAAA"}
	// Bitbucket Cloud: developer.atlassian.com/cloud/bitbucket/oauth-2
	// (RFC 6749 errors: 400 invalid_grant).
	dialectBitbucket = dialect{name: "bitbucket", path: "bitbucket.org/site/oauth2/access_token", authorizePath: "bitbucket.org/site/oauth2/authorize",
		accessPrefix: "at-", refreshPrefix: "rt-"}
)

// fail answers a token request with the RFC 6749 error code in the
// vendor's shape.
func (d dialect) fail(w http.ResponseWriter, r *http.Request, status int, code, desc string) {
	_ = r.ParseForm()
	refresh := r.Form.Get("grant_type") == "refresh_token"
	switch d.name {
	case "slack":
		// oauth.v2.access errors: HTTP 200 {"ok":false,"error":…}
		// (invalid_refresh_token, invalid_code, invalid_client_id,
		// bad_client_secret, invalid_grant_type…).
		e := map[string]string{"invalid_client": "invalid_client_id", "unsupported_grant_type": "invalid_grant_type"}[code]
		switch {
		case e != "":
		case code == "invalid_grant" && refresh:
			e = "invalid_refresh_token"
		case code == "invalid_grant":
			e = "invalid_code"
		default:
			e = code
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": e})
	case "github":
		// HTTP 200 with error=… (form-encoded unless Accept: application/json):
		// bad_refresh_token, bad_verification_code, incorrect_client_credentials.
		e := map[string]string{"invalid_client": "incorrect_client_credentials", "unsupported_grant_type": "unsupported_grant_type"}[code]
		switch {
		case e != "":
		case code == "invalid_grant" && refresh:
			e, desc = "bad_refresh_token", "The refresh token passed is incorrect or expired."
		case code == "invalid_grant":
			e, desc = "bad_verification_code", "The code passed is incorrect or expired."
		default:
			e = code
		}
		v := url.Values{"error": {e}, "error_description": {desc},
			"error_uri": {"https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#" + strings.ReplaceAll(e, "_", "-")}}
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			writeJSON(w, http.StatusOK, map[string]string{"error": e, "error_description": desc, "error_uri": v.Get("error_uri")})
			return
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(v.Encode()))
	case "atlassian":
		// "403 Forbidden {"error":"invalid_grant","error_description":
		// "Unknown or invalid refresh token."}" (refresh-tokens page).
		if code == "invalid_grant" {
			status, desc = http.StatusForbidden, "Unknown or invalid refresh token."
		}
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	case "gitlab":
		// Doorkeeper's messages (GitLab's OAuth provider): 400 invalid_grant,
		// 401 invalid_client, 400 unsupported_grant_type.
		if d := doorkeeperErrors[code]; d != "" {
			desc = d
		}
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	case "entra":
		// {"error":…,"error_description":"AADSTSnnnn: …","error_codes":[n],
		// "timestamp":…,"trace_id":…,"correlation_id":…}; 400, or 401 for
		// invalid_client.
		n := 0
		switch {
		case strings.HasPrefix(desc, "AADSTS"):
			n, _ = strconv.Atoi(strings.TrimPrefix(strings.SplitN(desc, ":", 2)[0], "AADSTS"))
		case code == "invalid_grant" && refresh:
			n, desc = 50173, "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed."
		case code == "invalid_grant":
			n, desc = 70008, "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity."
		case code == "invalid_client":
			n, desc = 7000215, "AADSTS7000215: Invalid client secret provided."
		}
		if code == "invalid_client" {
			status = http.StatusUnauthorized
		}
		writeJSON(w, status, map[string]any{"error": code, "error_description": desc, "error_codes": []int{n},
			"timestamp": "2026-12-04 12:00:00Z", "trace_id": "00000000-0000-0000-0000-000000000001", "correlation_id": "00000000-0000-0000-0000-000000000002"})
	default:
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
}

// grant answers a successful token request in the vendor's shape.
func (d dialect) grant(w http.ResponseWriter, r *http.Request, at, rt string, ttl int, created int64, scope string) {
	switch d.name {
	case "slack":
		// oauth.v2.access with token rotation: ok:true, a bot access token
		// (xoxe.xoxb-), its refresh token (xoxe-), expires_in 43200.
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "access_token": at, "token_type": "bot", "scope": r.Form.Get("scope"),
			"bot_user_id": "U0KRQLJ9H", "app_id": "A0KRD7HC3", "refresh_token": rt, "expires_in": ttl,
			"team": map[string]string{"name": "Demo", "id": "T9TK3CUKW"}, "enterprise": nil, "is_enterprise_install": false})
	case "github":
		// form-encoded unless Accept: application/json; user access tokens
		// expire after 8 h, refresh tokens after 6 months.
		v := url.Values{"access_token": {at}, "expires_in": {strconv.Itoa(ttl)}, "refresh_token": {rt},
			"refresh_token_expires_in": {"15811200"}, "scope": {""}, "token_type": {"bearer"}}
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			writeJSON(w, http.StatusOK, map[string]any{"access_token": at, "expires_in": ttl, "refresh_token": rt,
				"refresh_token_expires_in": 15811200, "scope": "", "token_type": "bearer"})
			return
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(v.Encode()))
	case "gitlab":
		// docs.gitlab.com/api/oauth2, "Authorization code with PKCE flow",
		// example responses of the code exchange and of the refresh:
		// access_token, token_type "bearer", expires_in (7200 by default),
		// refresh_token, scope, created_at (Unix seconds).
		writeJSON(w, http.StatusOK, map[string]any{"access_token": at, "token_type": "bearer", "expires_in": ttl,
			"refresh_token": rt, "scope": scope, "created_at": created})
	case "entra":
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "scope": r.Form.Get("scope"), "expires_in": ttl,
			"ext_expires_in": ttl, "access_token": at, "refresh_token": rt})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"access_token": at, "token_type": "Bearer", "refresh_token": rt,
			"expires_in": ttl, "scope": r.Form.Get("scope")})
	}
}

// entraClientError is what Entra says about the fake apps' client
// authentication and tenant (reference-error-codes): AADSTS50194 for a
// single-tenant app on /common, AADSTS700025 for a public client that sends
// a secret, AADSTS7000218 for a confidential one that sends none.
func entraClientError(r *http.Request, id, secret string) string {
	switch {
	case entraTenantError(r.PathValue("tenant")) != "":
		return entraTenantError(r.PathValue("tenant"))
	case id == EntraPublicClientID && secret != "":
		return "AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be presented."
	case id == OAuthClientID && secret == "":
		return "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'."
	}
	return ""
}

// entraTenantError: the fake apps are single-tenant (the Entra default), so
// only their own tenant's endpoints serve them.
func entraTenantError(tenant string) string {
	if tenant == EntraTenant || tenant == EntraTenantID {
		return ""
	}
	return fmt.Sprintf("AADSTS50194: Application '%s'(Patchbay demo) is not configured as a multi-tenant application. Usage of the /%s endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.", OAuthClientID, tenant)
}
