package providers_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/providers"
)

// documented is one answer a vendor documents for the request a mode's
// validation makes, and what Patchbay must make of it.
type documented struct {
	provider, mode, name string
	status               int
	headers              map[string]string
	body                 string
	want                 domain.Class
	msg                  string // part of the message
	identity             string // when OK
	retryIn              time.Duration
	resetAt              string // RFC 3339 of RateResetAt
	expiresAt            string // RFC 3339 of ExpiresAt (the token's expiry)
}

// documentedAnswers: per provider mode, the answers its vendor documents
// (source beside each), with the class and message Patchbay must give.
var documentedAnswers = []documented{
	// GitHub: docs.github.com/rest/users/users#get-the-authenticated-user,
	// "Scopes for OAuth apps", "Troubleshooting the REST API".
	{provider: "github", mode: "pat", name: "200 with scopes", status: 200, headers: map[string]string{"X-OAuth-Scopes": "repo, read:org", "X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": "1780315200"},
		body: `{"login":"octocat","id":1}`, want: domain.ClassOK, identity: "octocat", resetAt: "2026-06-01T12:00:00Z"},
	{provider: "github", mode: "pat", name: "200 without repo (GET /user needs no scope)", status: 200, headers: map[string]string{"X-OAuth-Scopes": "read:user"},
		body: `{"login":"octocat"}`, want: domain.ClassInsufficientScope, msg: "repo"},
	{provider: "github", mode: "pat", name: "fine-grained PAT: no scope header", status: 200, body: `{"login":"octocat"}`, want: domain.ClassOK, identity: "octocat"},
	{provider: "github", mode: "pat", name: "classic PAT without scopes: empty header", status: 200, headers: map[string]string{"X-OAuth-Scopes": ""}, body: `{"login":"octocat"}`, want: domain.ClassInsufficientScope, msg: "repo"},
	{provider: "github_actions", mode: "pat", name: "Actions needs workflow", status: 200, headers: map[string]string{"X-OAuth-Scopes": "repo"}, body: `{"login":"octocat"}`, want: domain.ClassInsufficientScope, msg: "workflow"},
	{provider: "github", mode: "pat", name: "bad credentials", status: 401, body: `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`, want: domain.ClassInvalidCredentials, msg: "Bad credentials"},
	{provider: "github", mode: "pat", name: "primary limit 403", status: 403, headers: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1780315200"},
		body: `{"message":"API rate limit exceeded for user ID 1."}`, want: domain.ClassRateLimited, retryIn: 0, resetAt: "2026-06-01T12:00:00Z"},
	{provider: "github", mode: "pat", name: "secondary limit 403 with Retry-After", status: 403, headers: map[string]string{"Retry-After": "60", "X-RateLimit-Remaining": "4987"},
		body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`, want: domain.ClassRateLimited, msg: "secondary", retryIn: time.Minute},
	{provider: "github", mode: "pat", name: "secondary limit 403 without Retry-After", status: 403, headers: map[string]string{"X-RateLimit-Remaining": "14"},
		body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`, want: domain.ClassRateLimited, msg: "secondary", retryIn: time.Minute},
	{provider: "github", mode: "pat", name: "secondary limit 429", status: 429, headers: map[string]string{"Retry-After": "30", "X-RateLimit-Remaining": "4000"},
		body: `{"message":"You have exceeded a secondary rate limit."}`, want: domain.ClassRateLimited, retryIn: 30 * time.Second},
	{provider: "github", mode: "pat", name: "expiry header", status: 200, headers: map[string]string{"X-OAuth-Scopes": "repo", "GitHub-Authentication-Token-Expiration": "2026-06-04 12:00:00 UTC"},
		body: `{"login":"octocat"}`, want: domain.ClassOK, identity: "octocat", expiresAt: "2026-06-04T12:00:00Z"},
	{provider: "github", mode: "github_app", name: "installation repositories", status: 200, body: `{"total_count":1,"repositories":[]}`, want: domain.ClassOK},
	{provider: "github", mode: "github_app", name: "expired installation token", status: 401, body: `{"message":"Bad credentials"}`, want: domain.ClassInvalidCredentials},

	// Jira Cloud: REST v3 OpenAPI (myself, User schema) and
	// developer.atlassian.com/cloud/jira/platform/rate-limiting.
	{provider: "jira_cloud", mode: "api_token", name: "myself", status: 200, body: `{"accountId":"5b10a","emailAddress":"ops@example.com","displayName":"Ops"}`, want: domain.ClassOK, identity: "ops@example.com"},
	{provider: "jira_cloud", mode: "api_token", name: "emailAddress null (privacy)", status: 200, body: `{"accountId":"5b10a","emailAddress":null,"displayName":"Ops Team"}`, want: domain.ClassOK, identity: "Ops Team"},
	{provider: "jira_cloud", mode: "api_token", name: "only accountId", status: 200, body: `{"accountId":"5b10a"}`, want: domain.ClassOK, identity: "5b10a"},
	{provider: "jira_cloud", mode: "oauth2", name: "OAuth emailAddress null", status: 200, body: `{"accountId":"5b10a","displayName":"Ops Team"}`, want: domain.ClassOK, identity: "Ops Team"},
	{provider: "jira_cloud", mode: "api_token", name: "401 error collection", status: 401, body: `{"errorMessages":["Client must be authenticated to access this resource."],"errors":{}}`, want: domain.ClassInvalidCredentials, msg: "Client must be authenticated"},
	{provider: "jira_cloud", mode: "api_token", name: "429 with Retry-After and reset without seconds", status: 429, headers: map[string]string{"Retry-After": "5", "X-RateLimit-Reset": "2026-06-01T12:30Z"},
		body: ``, want: domain.ClassRateLimited, retryIn: 5 * time.Second, resetAt: "2026-06-01T12:30:00Z"},
	{provider: "jira_cloud", mode: "api_token", name: "429 with only the reset", status: 429, headers: map[string]string{"X-RateLimit-Reset": "2026-06-01T12:30Z"},
		body: ``, want: domain.ClassRateLimited, retryIn: 90 * time.Minute},

	// Jira Data Center: Atlassian "Using personal access tokens".
	{provider: "jira_dc", mode: "pat", name: "myself", status: 200, body: `{"name":"jdoe","key":"JIRAUSER10000","displayName":"Jane"}`, want: domain.ClassOK, identity: "jdoe"},
	{provider: "jira_dc", mode: "pat", name: "401 failed login", status: 401, headers: map[string]string{"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"}, want: domain.ClassInvalidCredentials},

	// Bitbucket Cloud: developer.atlassian.com/cloud/bitbucket/rest/api-group-users (GET /2.0/user).
	{provider: "bitbucket", mode: "api_token", name: "user", status: 200, body: `{"display_name":"Ops Team","uuid":"{1}","account_id":"5b10a"}`, want: domain.ClassOK, identity: "Ops Team"},
	// A token without the scope an endpoint needs: 403 naming the required
	// scopes (Bitbucket Cloud's error object, error.detail.required; /2.0/user
	// needs read:user:bitbucket, support.atlassian.com "API token permissions").
	{provider: "bitbucket", mode: "api_token", name: "403 lacking read:user:bitbucket", status: 403,
		body: `{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["read:user:bitbucket"],"granted":["read:repository:bitbucket"]}}}`,
		want: domain.ClassInsufficientScope, msg: "Missing scopes: read:user:bitbucket"},
	{provider: "bitbucket", mode: "api_token", name: "401", status: 401, headers: map[string]string{"WWW-Authenticate": `Basic realm="Bitbucket.org HTTP"`}, want: domain.ClassInvalidCredentials},

	// Azure DevOps: connectionData; sign-in page for a bad PAT; anonymous
	// public access (PROVIDERS.md corrections).
	{provider: "azure_devops_boards", mode: "pat", name: "authenticated", status: 200, body: `{"authenticatedUser":{"id":"5a1b","descriptor":"Microsoft.IdentityModel.Claims.ClaimsIdentity;t\\ops@example.com","providerDisplayName":"Ops Team"}}`, want: domain.ClassOK, identity: "Ops Team"},
	{provider: "azure_devops_boards", mode: "pat", name: "anonymous public access", status: 200, body: `{"authenticatedUser":{"id":"aa442a3e","descriptor":"System:PublicAccess;aa442a3e","providerDisplayName":"Anonymous"}}`, want: domain.ClassInvalidCredentials, msg: "anonymous"},
	{provider: "azure_devops_repos", mode: "oauth2", name: "anonymous public access (Entra token)", status: 200, body: `{"authenticatedUser":{"id":"aa442a3e","descriptor":"System:PublicAccess;aa442a3e","providerDisplayName":"Anonymous"}}`, want: domain.ClassInvalidCredentials, msg: "anonymous"},
	{provider: "azure_devops_pipelines", mode: "pat", name: "sign-in page 203", status: 203, headers: map[string]string{"Content-Type": "text/html; charset=utf-8"}, body: `<html><title>Azure DevOps Services | Sign In</title></html>`, want: domain.ClassInvalidCredentials, msg: "sign-in page"},
	{provider: "azure_devops_boards", mode: "pat", name: "401", status: 401, want: domain.ClassInvalidCredentials},
	// A PAT Azure DevOps does not know: 401 with a Basic challenge
	// (microsoft/AzDevOpsDemoGenerator#56); an expired one: 401 with a JSON
	// message and X-TFS-ServiceError (microsoft/azure-pipelines-tasks#18732).
	{provider: "azure_devops_boards", mode: "pat", name: "401 unknown PAT", status: 401, headers: map[string]string{"WWW-Authenticate": `Basic realm="https://tfsprodcin2.visualstudio.com/"`}, want: domain.ClassInvalidCredentials},
	{provider: "azure_devops_repos", mode: "pat", name: "401 expired PAT", status: 401, headers: map[string]string{"X-TFS-ServiceError": "Access%20Denied%3A%20The%20Personal%20Access%20Token%20used%20has%20expired."},
		body: `{"$id":"1","innerException":null,"message":"Access Denied: The Personal Access Token used has expired.","typeName":"Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server","typeKey":"UnauthorizedRequestException","errorCode":0,"eventId":3000}`,
		want: domain.ClassExpired, msg: "expired"},

	// Harness: apidocs.harness.io getCurrentUser (ResponseDTOUserInfo).
	{provider: "harness", mode: "api_key", name: "current user", status: 200, body: `{"status":"SUCCESS","data":{"uuid":"u1","name":"Ops","email":"ops@example.com"},"metaData":null,"correlationId":"c1"}`, want: domain.ClassOK, identity: "ops@example.com"},
	{provider: "harness", mode: "api_key", name: "401", status: 401, body: `{"status":"ERROR","code":"INVALID_TOKEN","message":"Token is not valid.","correlationId":"c1"}`, want: domain.ClassInvalidCredentials, msg: "Token is not valid"},

	// GitLab: docs.gitlab.com/api/users (GET /user), rate limits.
	{provider: "gitlab", mode: "pat", name: "user", status: 200, headers: map[string]string{"RateLimit-Remaining": "1999", "RateLimit-Reset": "1780315200"}, body: `{"id":7,"username":"ops-bot"}`, want: domain.ClassOK, identity: "ops-bot", resetAt: "2026-06-01T12:00:00Z"},
	{provider: "gitlab", mode: "pat", name: "401", status: 401, body: `{"message":"401 Unauthorized"}`, want: domain.ClassInvalidCredentials},
	{provider: "gitlab", mode: "oauth2", name: "expired OAuth token", status: 401, headers: map[string]string{"WWW-Authenticate": `Bearer realm="", error="invalid_token", error_description="Token is expired. You can either do re-authorization or token refresh."`},
		body: `{"error":"invalid_token","error_description":"Token is expired. You can either do re-authorization or token refresh."}`, want: domain.ClassExpired},
	{provider: "gitlab", mode: "pat", name: "429", status: 429, headers: map[string]string{"Retry-After": "60", "RateLimit-Remaining": "0"}, want: domain.ClassRateLimited, retryIn: time.Minute},

	// SonarQube: api/users/current (web_api), 9.9 and 10.x.
	{provider: "sonarqube", mode: "token", name: "logged in", status: 200, body: `{"isLoggedIn":true,"login":"ci-bot","name":"CI Bot"}`, want: domain.ClassOK, identity: "ci-bot"},
	// docs.sonarsource.com, Web API: "If a token is used to interact with
	// the API, a SonarQube-Authentication-Token-Expiration HTTP header is
	// added to the response", in SonarQube's DATETIME_FORMAT
	// (yyyy-MM-dd'T'HH:mm:ssZ, as its scanner parses it).
	{provider: "sonarqube", mode: "token", name: "token expiry header", status: 200, headers: map[string]string{"SonarQube-Authentication-Token-Expiration": "2026-06-04T14:00:00+0200"},
		body: `{"isLoggedIn":true,"login":"ci-bot"}`, want: domain.ClassOK, identity: "ci-bot", expiresAt: "2026-06-04T12:00:00Z"},
	{provider: "sonarqube", mode: "token", name: "anonymous (token ignored)", status: 200, body: `{"isLoggedIn":false,"permissions":{"global":[]}}`, want: domain.ClassInvalidCredentials, msg: "anonymous"},
	{provider: "sonarqube", mode: "token", name: "401 forced authentication", status: 401, want: domain.ClassInvalidCredentials},

	// Slack: docs.slack.dev/reference/methods/auth.test.
	{provider: "slack", mode: "token", name: "ok", status: 200, headers: map[string]string{"X-OAuth-Scopes": "chat:write"}, body: `{"ok":true,"user":"bot","team":"T"}`, want: domain.ClassOK, identity: "bot"},
	{provider: "slack", mode: "token", name: "invalid_auth", status: 200, body: `{"ok":false,"error":"invalid_auth"}`, want: domain.ClassInvalidCredentials},
	{provider: "slack", mode: "oauth2", name: "token_revoked", status: 200, body: `{"ok":false,"error":"token_revoked"}`, want: domain.ClassRevoked},
	{provider: "slack", mode: "oauth2", name: "token_expired", status: 200, body: `{"ok":false,"error":"token_expired"}`, want: domain.ClassExpired},
	{provider: "slack", mode: "oauth2", name: "account_inactive", status: 200, body: `{"ok":false,"error":"account_inactive"}`, want: domain.ClassRevoked},
	{provider: "slack", mode: "token", name: "missing_scope", status: 200, body: `{"ok":false,"error":"missing_scope","needed":"chat:write","provided":"channels:read"}`, want: domain.ClassInsufficientScope, msg: "chat:write"},
	{provider: "slack", mode: "token", name: "not_in_channel is no credential problem", status: 200, body: `{"ok":false,"error":"not_in_channel"}`, want: domain.ClassMisconfigured, msg: "invite"},
	{provider: "slack", mode: "oauth2", name: "429 ratelimited", status: 429, headers: map[string]string{"Retry-After": "20"}, body: `{"ok":false,"error":"ratelimited"}`, want: domain.ClassRateLimited, retryIn: 20 * time.Second},

	// Generic OAuth 2.0: RFC 6750 section 3.1.
	{provider: "generic_oauth2", mode: "oauth2", name: "userinfo sub only", status: 200, body: `{"sub":"248289761001"}`, want: domain.ClassOK, identity: "248289761001"},
	{provider: "generic_oauth2", mode: "oauth2", name: "expired token", status: 401, headers: map[string]string{"WWW-Authenticate": `Bearer error="invalid_token", error_description="The access token expired"`}, want: domain.ClassExpired},
	// Modes that share another mode's request; their own rows all the same.
	{provider: "generic_api_key", mode: "api_key", name: "2xx", status: 200, body: `{"name":"svc"}`, want: domain.ClassOK},
	{provider: "generic_api_key", mode: "api_key", name: "401", status: 401, headers: map[string]string{"WWW-Authenticate": `ApiKey realm="x"`}, want: domain.ClassInvalidCredentials},
	{provider: "jira_cloud", mode: "connect_app", name: "myself as the app user", status: 200, body: `{"accountId":"557058:f5","accountType":"app","displayName":"Patchbay Connect app"}`, want: domain.ClassOK, identity: "Patchbay Connect app"},
	{provider: "jira_cloud", mode: "connect_app", name: "JWT refused", status: 401, body: `{"errorMessages":["Authentication failed"],"errors":{}}`, want: domain.ClassInvalidCredentials},
	{provider: "jira_dc", mode: "oauth2", name: "myself", status: 200, body: `{"name":"jdoe"}`, want: domain.ClassOK, identity: "jdoe"},
	{provider: "jira_dc", mode: "oauth2", name: "expired token", status: 401, headers: map[string]string{"WWW-Authenticate": `Bearer error="invalid_token", error_description="The access token expired"`}, want: domain.ClassExpired},
	{provider: "jira_dc", mode: "oauth1", name: "myself", status: 200, body: `{"name":"jdoe","emailAddress":"jdoe@example.com"}`, want: domain.ClassOK, identity: "jdoe@example.com"},
	{provider: "jira_dc", mode: "oauth1", name: "token revoked by the admin", status: 401, headers: map[string]string{"WWW-Authenticate": `OAuth realm="https://jira.example.com", oauth_problem="token_rejected"`}, want: domain.ClassInvalidCredentials},
	{provider: "github_actions", mode: "github_app", name: "installation repositories", status: 200, body: `{"total_count":0,"repositories":[]}`, want: domain.ClassOK},
	{provider: "github_actions", mode: "github_app", name: "secondary limit", status: 403, headers: map[string]string{"Retry-After": "60", "X-RateLimit-Remaining": "4000"}, body: `{"message":"You have exceeded a secondary rate limit."}`, want: domain.ClassRateLimited, retryIn: time.Minute},
	{provider: "bitbucket", mode: "oauth2", name: "user", status: 200, body: `{"type":"user","display_name":"Ops Team"}`, want: domain.ClassOK, identity: "Ops Team"},
	{provider: "bitbucket", mode: "oauth2", name: "expired access token", status: 401, body: `{"type":"error","error":{"message":"Access token expired."}}`, want: domain.ClassInvalidCredentials},
	{provider: "azure_devops_boards", mode: "oauth2", name: "authenticated", status: 200, body: `{"authenticatedUser":{"descriptor":"Microsoft.IdentityModel.Claims.ClaimsIdentity;t\\ops@example.com","providerDisplayName":"Ops Team"}}`, want: domain.ClassOK, identity: "Ops Team"},
	{provider: "azure_devops_repos", mode: "pat", name: "anonymous public access", status: 200, body: `{"authenticatedUser":{"descriptor":"System:PublicAccess;aa442a3e","providerDisplayName":"Anonymous"}}`, want: domain.ClassInvalidCredentials, msg: "anonymous"},
	{provider: "azure_devops_pipelines", mode: "oauth2", name: "sign-in redirect", status: 302, headers: map[string]string{"Location": "https://spsprodweu5.vssps.visualstudio.com/_signin?realm=dev.azure.com"}, want: domain.ClassInvalidCredentials, msg: "sign-in page"},
}

// TestDocumentedAnswers feeds each documented answer to the classifier
// with the mode's own validation spec.
func TestDocumentedAnswers(t *testing.T) {
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 11, 0, 0, 0, time.UTC)
	for _, d := range documentedAnswers {
		t.Run(d.provider+"/"+d.mode+"/"+d.name, func(t *testing.T) {
			p, ok := cat.Provider(d.provider)
			if !ok {
				t.Fatalf("no provider %s", d.provider)
			}
			m, ok := p.Mode(d.mode)
			if !ok {
				t.Fatalf("no mode %s", d.mode)
			}
			resp := &http.Response{StatusCode: d.status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(d.body))}
			for k, v := range d.headers {
				resp.Header[http.CanonicalHeaderKey(k)] = []string{v}
			}
			res := providers.Classify(resp, []byte(d.body), m.Validate, now)
			if res.Class != d.want || !strings.Contains(res.Message, d.msg) {
				t.Fatalf("class %s %q, want %s containing %q", res.Class, res.Message, d.want, d.msg)
			}
			if d.identity != "" && res.Identity != d.identity {
				t.Fatalf("identity %q, want %q", res.Identity, d.identity)
			}
			if d.retryIn > 0 && (res.RetryAt == nil || !res.RetryAt.Equal(now.Add(d.retryIn))) {
				t.Fatalf("retry at %v, want %v", res.RetryAt, now.Add(d.retryIn))
			}
			if d.expiresAt != "" && (res.ExpiresAt == nil || res.ExpiresAt.Format(time.RFC3339) != d.expiresAt) {
				t.Fatalf("token expiry %v, want %s", res.ExpiresAt, d.expiresAt)
			}
			if d.resetAt != "" && (res.RateResetAt == nil || res.RateResetAt.Format(time.RFC3339) != d.resetAt) {
				t.Fatalf("rate reset %v, want %s", res.RateResetAt, d.resetAt)
			}
		})
	}
	// Every mode of the catalogue has documented answers here.
	covered := map[string]bool{}
	for _, d := range documentedAnswers {
		covered[d.provider+"/"+d.mode] = true
	}
	for _, p := range cat.Providers {
		for _, m := range p.Modes {
			if !covered[p.ID+"/"+m.ID] && !skipDocumented[p.ID+"/"+m.ID] {
				t.Errorf("mode %s/%s has no documented answers in this table", p.ID, m.ID)
			}
		}
	}
}

// skipDocumented are modes whose answers have their own test instead:
// named, not forgotten (none today).
var skipDocumented = map[string]bool{}
