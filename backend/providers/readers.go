package providers

import (
	"encoding/json"
	"net/http"
	"strings"

	"patchbay/backend/domain"
)

// reader corrects the generic classification for a provider whose answers
// break the usual HTTP rules.
type reader func(resp *http.Response, body []byte, res *domain.CheckResult)

// readers are the provider-specific readers named by ValidateSpec.Reader.
var readers = map[string]reader{
	"slack":        readSlack,
	"azure_devops": readAzureDevOps,
	"sonarqube":    readSonarQube,
}

// readSlack: Slack answers HTTP 200 with {"ok":false,"error":…} for bad,
// revoked and expired tokens, for missing scopes and for everything else a
// method can refuse (docs.slack.dev/apis/web-api, "Evaluating responses";
// the Errors table of auth.test and chat.postMessage). Only the token
// errors are credential problems: a channel the app is not in, or that is
// archived or unknown, needs a different channel or an invitation.
func readSlack(resp *http.Response, body []byte, res *domain.CheckResult) {
	var a struct {
		OK     *bool  `json:"ok"`
		Error  string `json:"error"`
		Needed string `json:"needed"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &a) != nil || a.OK == nil || *a.OK {
		return
	}
	res.Identity = ""
	switch a.Error {
	case "token_revoked", "account_inactive":
		res.Class, res.Message = domain.ClassRevoked, "Slack says the token was revoked ("+a.Error+")."
	case "token_expired":
		res.Class, res.Message = domain.ClassExpired, "Slack says the token has expired."
	case "invalid_auth", "not_authed", "not_allowed_token_type":
		res.Class, res.Message = domain.ClassInvalidCredentials, "Slack rejected the token ("+a.Error+")."
	case "missing_scope":
		res.Class, res.Message = domain.ClassInsufficientScope, "Slack says the token lacks a scope."
		if a.Needed != "" {
			res.MissingScopes = strings.Split(a.Needed, ",")
			res.Message = "Slack says the token lacks the scopes " + a.Needed + "."
		}
	case "ratelimited":
		res.Class, res.Message = domain.ClassRateLimited, "Slack is rate limiting requests."
	case "not_in_channel":
		res.Class, res.Message = domain.ClassMisconfigured, "Slack says the app is not a member of the channel (not_in_channel). Invite it there (/invite @your-app) or choose another channel."
	case "channel_not_found":
		res.Class, res.Message = domain.ClassMisconfigured, "Slack does not know the channel, or the app cannot see it (channel_not_found). Check the channel name; for a private channel, invite the app first."
	case "is_archived":
		res.Class, res.Message = domain.ClassMisconfigured, "The Slack channel is archived (is_archived). Choose another channel or unarchive it."
	case "internal_error", "fatal_error", "service_unavailable", "request_timeout":
		res.Class, res.Message = domain.ClassProviderDown, "Slack had an internal problem ("+a.Error+")."
	default:
		res.Class, res.Message = domain.ClassMisconfigured, "Slack refused the request ("+a.Error+")."
	}
}

// readAzureDevOps: a bad or expired PAT gets an HTML sign-in page (HTTP 203
// or a 200/302 to the sign-in host) instead of a 401; an organization with
// public projects answers connectionData with HTTP 200 as the anonymous
// public-access identity (descriptor "System:PublicAccess;…") whatever the
// credential.
func readAzureDevOps(resp *http.Response, body []byte, res *domain.CheckResult) {
	var cd struct {
		AuthenticatedUser *struct {
			Descriptor          string `json:"descriptor"`
			ProviderDisplayName string `json:"providerDisplayName"`
		} `json:"authenticatedUser"`
	}
	if resp.StatusCode/100 == 2 && json.Unmarshal(body, &cd) == nil && cd.AuthenticatedUser != nil &&
		(strings.HasPrefix(cd.AuthenticatedUser.Descriptor, "System:PublicAccess") || cd.AuthenticatedUser.ProviderDisplayName == "Anonymous") {
		res.Class = domain.ClassInvalidCredentials
		res.Identity = ""
		res.Message = "Azure DevOps answered as the anonymous public-access user: the organization has public projects and did not accept the credential. Check the token (expired, revoked, or created for another organization)."
		return
	}
	html := strings.Contains(resp.Header.Get("Content-Type"), "text/html")
	signIn := strings.Contains(resp.Header.Get("Location"), "_signin") || strings.Contains(strings.ToLower(string(body)), "sign in")
	if resp.StatusCode == http.StatusNonAuthoritativeInfo || (html && signIn) || (resp.StatusCode/100 == 3 && signIn) {
		res.Class = domain.ClassInvalidCredentials
		res.Identity = ""
		res.Message = "Azure DevOps answered with its sign-in page: the personal access token is invalid, expired or lacks access to this organization."
	}
}

// readSonarQube: every SonarQube version (9.9 LTS ignores Bearer, which
// arrived in 10.0) takes the token as the Basic user name with an empty
// password; api/users/current answers an anonymous caller, on servers that
// allow anonymous access, with 200 {"isLoggedIn":false}: the token was not
// accepted. (docs.sonarsource.com, Web API "Authentication"; SonarQube Web
// API api/users/current.) The older api/authentication/validate answers
// {"valid":false} for a bad token.
func readSonarQube(resp *http.Response, body []byte, res *domain.CheckResult) {
	var a struct {
		Valid      *bool `json:"valid"`
		IsLoggedIn *bool `json:"isLoggedIn"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &a) != nil {
		return
	}
	switch {
	case a.IsLoggedIn != nil && !*a.IsLoggedIn:
		res.Class, res.Identity = domain.ClassInvalidCredentials, ""
		res.Message = "SonarQube answered as an anonymous user: it did not accept the token. Use a user token (squ_…), not an analysis token, and check that it was not revoked or expired."
	case a.Valid != nil && !*a.Valid:
		res.Class = domain.ClassInvalidCredentials
		res.Message = "SonarQube says the token is not valid (valid: false)."
	}
}
