package fakes

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"patchbay/backend/domain"
)

// Tokens containing these markers make every fake provider misbehave in the
// documented ways, so tests and the demo can reach each classification.
const (
	MarkNoScope = "noscope"  // valid, but lacks scopes (GitHub lists fewer in X-OAuth-Scopes, Slack answers missing_scope, Bitbucket 403 names them)
	MarkLimited = "limited"  // rate limited (429 with Retry-After)
	MarkDown    = "down"     // provider outage (503)
	MarkHang    = "hang"     // never answers until the client gives up
	MarkExpiry  = "expiring" // valid, with an expiry 3 days ahead (GitHub, SonarQube)
	// MarkSecondary: GitHub answers 403 for a secondary rate limit (with
	// Retry-After unless the token also contains "noretry").
	MarkSecondary = "secondary"
)

// Demo holds what a new user (and the e2e tests) types to connect one
// provider against the fakes: base path under the fake server, mode, the
// non-secret fields and a valid secret.
type Demo struct {
	Provider string
	Mode     string
	BasePath string
	Config   map[string]string
	Secrets  map[string]string
}

// Demo secrets: fake, valid only against this package's server.
const (
	GitHubToken    = "ghp_demoDEMOdemoDEMOdemoDEMOdemoDEMO0001"
	GitHubToken2   = "ghp_demoDEMOdemoDEMOdemoDEMOdemoDEMO0002"
	JiraToken      = "ATATT3xFfGF0demoJiraCloudToken=A1B2C3D4"
	JiraDCToken    = "NDE2OTk3NzQ2NjU1OkRlbW9KaXJhRGF0YUNlbnRlcg"
	BitbucketToken = "ATATT3xFfGF0demoBitbucketToken=0A1B2C3D"
	AzureToken     = "demoazuredevopspersonalaccesstoken000000000001"
	HarnessKey     = "pat.demoAccount.demoToken.demoSecret0001"
	GitLabToken    = "glpat-demoGitLabToken0000001"
	SonarToken     = "squ_0123456789abcdef0123456789abcdef01234567"
	SlackToken     = "xoxb-1111-2222-demoSlackBotToken"
)

// Demos lists one working connection per provider of the catalogue.
func Demos() []Demo {
	email := func(e string) map[string]string { return map[string]string{"email": e} }
	sec := func(k, v string) map[string]string { return map[string]string{k: v} }
	return []Demo{
		{"jira_cloud", "api_token", "/jira", email("ops@example.com"), sec("apiToken", JiraToken)},
		{"jira_dc", "pat", "/jiradc", map[string]string{}, sec("token", JiraDCToken)},
		{"github", "pat", "/github", email("bots@example.com"), sec("token", GitHubToken+"\n"+GitHubToken2)},
		{"github_actions", "pat", "/github", email("bots@example.com"), sec("token", GitHubToken)},
		{"bitbucket", "api_token", "/bitbucket", email("ops@example.com"), sec("apiToken", BitbucketToken)},
		{"azure_devops_boards", "pat", "/ado/contoso", email("ops@example.com"), sec("token", AzureToken)},
		{"harness", "api_key", "/harness", email("ops@example.com"), sec("apiKey", HarnessKey)},
		{"gitlab", "pat", "/gitlab", map[string]string{}, sec("token", GitLabToken)},
		{"sonarqube", "token", "/sonar", map[string]string{"username": "ci-bot"}, sec("token", SonarToken)},
		{"slack", "token", "/slack", map[string]string{}, sec("token", SlackToken)},
	}
}

// fakeAPI describes one provider's validation endpoint.
type fakeAPI struct {
	pattern string                                                   // method and path
	token   func(r *http.Request) string                             // the credential sent
	ok      func(w http.ResponseWriter, r *http.Request, tok string) // a valid answer
	bad     func(w http.ResponseWriter, revoked bool)                // an invalid credential
}

func bearer(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// basicPassword returns the password of a Basic header.
func basicPassword(r *http.Request) string {
	_, p, _ := r.BasicAuth()
	return p
}

func unauthorizedJSON(msg string) func(http.ResponseWriter, bool) {
	return func(w http.ResponseWriter, _ bool) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": msg})
	}
}

// items answers an inventory request with a fixed JSON document.
func items(doc any) func(http.ResponseWriter, *http.Request, string) {
	return func(w http.ResponseWriter, _ *http.Request, _ string) { writeJSON(w, 200, doc) }
}

func names(field string, vs ...string) []map[string]string {
	out := make([]map[string]string, len(vs))
	for i, v := range vs {
		out[i] = map[string]string{field: v}
	}
	return out
}

// AddRepository makes the fake GitHub list one more repository (a new item
// for a "new items" trigger).
func (s *Server) AddRepository(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.newRepos = append(s.newRepos, name)
}

// Posts returns the messages posted to the fake Slack, oldest first.
func (s *Server) Posts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.posts...)
}

// inventoryAPIs are the fakes' inventory and posting endpoints.
func (s *Server) inventoryAPIs() []fakeAPI {
	x := func(msg string) func(http.ResponseWriter, bool) { return unauthorizedJSON(msg) }
	return []fakeAPI{
		// GitHub "List repositories for the authenticated user"
		// (docs.github.com/rest/repos/repos), 401 basic-error.
		{"GET /github/user/repos", bearer, func(w http.ResponseWriter, r *http.Request, tok string) {
			s.mu.Lock()
			repos := append([]string{"octo-org/api", "octo-org/web", "octo-org/infra"}, s.newRepos...)
			s.mu.Unlock()
			writeJSON(w, 200, githubRepos(githubPage(w, r, repos)...)) // GET /user/repos: an array of repository
		}, x("Bad credentials")},
		// Jira Cloud REST v3 "Get projects paginated" (PageBeanProject), a page
		// at a time (jiraPage).
		{"GET /jira/rest/api/3/project/search", basicPassword, func(w http.ResponseWriter, r *http.Request, _ string) {
			writeJSON(w, 200, jiraPage(r, s.listed("", "Platform", "Mobile")))
		}, x("Client must be authenticated to access this resource.")},
		// Jira Server/Data Center REST v2 "Get all projects": the whole list,
		// an array (not paginated).
		{"GET /jiradc/rest/api/2/project", bearer, items(names("name", "OPS", "SEC")), x("Unauthorized")},
		// Bitbucket Cloud REST "List repositories", paginated (bitbucketPage).
		{"GET /bitbucket/2.0/repositories", basicPassword, func(w http.ResponseWriter, r *http.Request, _ string) {
			writeJSON(w, 200, bitbucketPage(r, s.listed("acme/", "acme/web")))
		}, x("Unauthorized")},
		// Azure DevOps REST 7.1 "Projects - List" (count, value), continued
		// by x-ms-continuationtoken (adoPage).
		{"GET /ado/{org}/_apis/projects", basicPassword, func(w http.ResponseWriter, r *http.Request, _ string) {
			writeJSON(w, 200, adoPage(w, r, s.listed("", "Contoso", "Fabrikam")))
		}, x("Unauthorized")},
		// GitLab REST "List all projects" (docs.gitlab.com/api/projects), an
		// array, a page at a time: per_page (default 20), page and the Link
		// header (linkPage).
		{"GET /gitlab/api/v4/projects", func(r *http.Request) string { return r.Header.Get("PRIVATE-TOKEN") }, func(w http.ResponseWriter, r *http.Request, _ string) {
			writeJSON(w, 200, names("path_with_namespace", linkPage(w, r, s.listed("ops/", "ops/infra", "ops/tools"), 20)...))
		}, x("401 Unauthorized")},
	}
}

func (s *Server) providerAPIs() []fakeAPI {
	return append(append(append(s.inventoryAPIs(), s.sonarAPIs()...), s.adoAPIs()...), append(s.slackAPIs(), []fakeAPI{
		{"GET /github/user", bearer, s.githubOK, unauthorizedJSON("Bad credentials")},
		{"GET /jira/rest/api/3/myself", basicPassword, func(w http.ResponseWriter, r *http.Request, _ string) {
			// GET /rest/api/3/myself (Jira Cloud platform REST v3 OpenAPI,
			// User schema): emailAddress "may be returned as null" under the
			// user's privacy settings (accounts named "hidden…" here);
			// accountId is always present.
			u, _, _ := r.BasicAuth()
			w.Header().Set("X-RateLimit-Remaining", "95")
			var email any = u
			if strings.HasPrefix(u, "hidden") {
				email = nil
			}
			writeJSON(w, 200, map[string]any{"self": "https://your-site.atlassian.net/rest/api/3/user?accountId=5b10ac8d82e05b22cc7d4ef5",
				"accountId": "5b10ac8d82e05b22cc7d4ef5", "accountType": "atlassian", "emailAddress": email, "displayName": "Ops Team",
				"active": true, "timeZone": "Europe/London", "locale": "en_GB"})
		}, func(w http.ResponseWriter, _ bool) {
			// Jira's error collection: {"errorMessages":[…],"errors":{}}.
			writeJSON(w, http.StatusUnauthorized, map[string]any{"errorMessages": []string{"Client must be authenticated to access this resource."}, "errors": map[string]any{}})
		}},
		// Jira Data Center REST v2 myself with a PAT as Bearer (Atlassian
		// "Using personal access tokens"); a bad PAT: 401 with
		// X-Seraph-LoginReason: AUTHENTICATED_FAILED and no body.
		{"GET /jiradc/rest/api/2/myself", bearer, func(w http.ResponseWriter, r *http.Request, _ string) {
			if strings.HasPrefix(r.Header.Get("Authorization"), "OAuth ") {
				writeJSON(w, 200, map[string]any{"name": "oauth1-user", "emailAddress": "oauth1-user@example.com", "displayName": "OAuth 1 User"})
				return
			}
			writeJSON(w, 200, map[string]any{"name": "jdoe", "displayName": "Jane Doe"})
		}, func(w http.ResponseWriter, _ bool) {
			w.Header().Set("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
			w.WriteHeader(http.StatusUnauthorized)
		}},
		{"GET /bitbucket/2.0/user", basicPassword, func(w http.ResponseWriter, r *http.Request, tok string) {
			if strings.Contains(tok, MarkNoScope) {
				// An API token without read:user:bitbucket, which /2.0/user
				// needs: 403 with Bitbucket's error object naming the required
				// scopes (support.atlassian.com/bitbucket-cloud, "API token
				// permissions"; the answer as Bitbucket sends it).
				writeJSON(w, http.StatusForbidden, map[string]any{"type": "error", "error": map[string]any{
					"message": "Your credentials lack one or more required privilege scopes.",
					"detail":  map[string][]string{"required": {"read:user:bitbucket"}, "granted": {"read:repository:bitbucket"}}}})
				return
			}
			// GET /2.0/user (Bitbucket Cloud REST, account/user schema).
			writeJSON(w, 200, map[string]any{"type": "user", "display_name": "Ops Team", "username": "ops-team", "nickname": "ops-team",
				"uuid": "{d301aafa-d676-4ee0-88be-962be7417567}", "account_id": "5b10ac8d82e05b22cc7d4ef5", "account_status": "active",
				"created_on": "2018-06-01T00:00:00.000000+00:00", "links": map[string]any{"html": map[string]string{"href": "https://bitbucket.org/ops-team/"}}})
		}, func(w http.ResponseWriter, _ bool) {
			w.Header().Set("WWW-Authenticate", `Basic realm="Bitbucket.org HTTP"`)
			w.WriteHeader(http.StatusUnauthorized)
		}},
		// Harness getCurrentUser (apidocs.harness.io, "User" API:
		// GET /ng/api/user/currentUser, accountIdentifier required; answers
		// ResponseDTOUserInfo). The account must be the key's own.
		{"GET /harness/ng/api/user/currentUser", func(r *http.Request) string { return r.Header.Get("x-api-key") }, func(w http.ResponseWriter, r *http.Request, tok string) {
			acct := r.URL.Query().Get("accountIdentifier")
			if parts := strings.Split(tok, "."); acct == "" || len(parts) == 4 && parts[1] != acct {
				writeJSON(w, http.StatusBadRequest, map[string]any{"status": "ERROR", "code": "INVALID_REQUEST",
					"message": "Invalid request: accountIdentifier is missing or does not match the API key", "correlationId": "c0ffee"})
				return
			}
			writeJSON(w, 200, map[string]any{"status": "SUCCESS", "data": map[string]any{"uuid": "lv0euRhKRCyiXWzS7pOg6g", "name": "Ops",
				"email": "ops@example.com", "defaultAccountId": acct}, "metaData": nil, "correlationId": "c0ffee"})
		}, func(w http.ResponseWriter, _ bool) {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"status": "ERROR", "code": "INVALID_TOKEN", "message": "Token is not valid.", "correlationId": "c0ffee"})
		}},
		// GitLab REST "Get the current user" (docs.gitlab.com/api/users) with
		// RateLimit-* headers (docs.gitlab.com, rate limits); 401
		// {"message":"401 Unauthorized"}.
		{"GET /gitlab/api/v4/user", func(r *http.Request) string { return r.Header.Get("PRIVATE-TOKEN") }, func(w http.ResponseWriter, r *http.Request, _ string) {
			w.Header().Set("RateLimit-Remaining", "1999")
			w.Header().Set("RateLimit-Reset", strconv.FormatInt(domain.Now(s.Now).Add(time.Minute).Unix(), 10))
			writeJSON(w, 200, map[string]any{"id": 7, "username": "ops-bot", "name": "Ops Bot", "state": "active", "locked": false,
				"avatar_url": "https://gitlab.example.com/uploads/-/system/user/avatar/7/avatar.png", "web_url": "https://gitlab.example.com/ops-bot"})
		}, unauthorizedJSON("401 Unauthorized")},
	}...)...)
}

// githubOK answers /user like GitHub: identity, scopes, rate-limit headers
// (each token its own budget) and, for expiring tokens, the expiry header.
func (s *Server) githubOK(w http.ResponseWriter, r *http.Request, tok string) {
	if strings.Contains(tok, MarkSecondary) {
		// A secondary rate limit: 403 with GitHub's message, Retry-After
		// (not always sent) and requests left in the primary budget
		// (docs.github.com "Troubleshooting the REST API").
		if !strings.Contains(tok, "noretry") {
			w.Header().Set("Retry-After", "60")
		}
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "4987")
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0440:2B42:8E1A:9A1E7C:6567F2A1.",
			"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"})
		return
	}
	s.mu.Lock()
	s.used[tok]++
	used := s.used[tok]
	s.mu.Unlock()
	h := w.Header()
	// GET /user needs no scope: it answers 200 for any valid token
	// (docs.github.com/rest/users/users "Get the authenticated user";
	// "Scopes for OAuth apps": classic PATs and OAuth tokens list their
	// scopes in X-OAuth-Scopes, fine-grained PATs send no such header).
	switch {
	case strings.HasPrefix(tok, "github_pat_"):
	case strings.Contains(tok, MarkNoScope):
		h.Set("X-OAuth-Scopes", "read:user")
	default:
		h.Set("X-OAuth-Scopes", "repo, read:org, workflow")
	}
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", strconv.Itoa(5000-used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(domain.Now(s.Now).Add(time.Hour).Unix(), 10))
	if strings.Contains(tok, MarkExpiry) {
		h.Set("github-authentication-token-expiration", domain.Now(s.Now).Add(72*time.Hour).UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	login := "octo-bot"
	if n := len(tok); n >= 4 {
		login += "-" + tok[n-4:]
	}
	writeJSON(w, 200, githubUser(login, 1))
}

// provider wraps a fake API with the shared misbehaviour markers and the
// valid-credential check. It is not inlined: inlined into each of its four
// callers it wrote the 2 KB handler out four times (binary size budget).
//
//go:noinline
func (s *Server) provider(api fakeAPI) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.count(r)
		if strings.HasPrefix(r.URL.Path, "/jira/") && strings.HasPrefix(r.Header.Get("Authorization"), "JWT ") {
			if s.connectAuthorized(w, r, "/jira") {
				if strings.HasSuffix(r.URL.Path, "/myself") {
					// A Connect app calls as its own app user.
					writeJSON(w, http.StatusOK, map[string]any{"accountId": "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077", "accountType": "app",
						"displayName": "Patchbay Connect app", "active": true})
					return
				}
				api.ok(w, r, "")
			}
			return
		}
		if strings.HasPrefix(r.URL.Path, "/jiradc/") && strings.HasPrefix(r.Header.Get("Authorization"), "OAuth ") {
			if s.oauth1.authorized(w, r) {
				api.ok(w, r, "")
			}
			return
		}
		// Every provider API also accepts the fake OAuth server's live access
		// tokens (OAuth modes of the catalogue, pointed here by WithCloudAt).
		if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && s.OAuth.ValidAccess(b) {
			api.ok(w, r, b)
			return
		} else if ok && strings.HasPrefix(r.URL.Path, "/gitlab/") && s.OAuth.gitlabRefused(w, b) {
			return
		}
		tok := api.token(r)
		switch {
		case strings.Contains(tok, MarkHang):
			select {
			case <-r.Context().Done():
			case <-time.After(s.HangFor):
			}
			return
		case strings.Contains(tok, MarkDown) || s.isDown(tok):
			// An outage: 503 with Retry-After (RFC 9110 section 10.2.3), as
			// every vendor's edge answers.
			w.Header().Set("Retry-After", "60")
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"message": "Service unavailable"})
			return
		case strings.Contains(tok, MarkLimited):
			// A rate limit: 429 with Retry-After seconds and no requests left
			// (RFC 6585; GitHub, Jira, GitLab and Slack document this form).
			w.Header().Set("Retry-After", "30")
			w.Header().Set("X-RateLimit-Remaining", "0")
			if strings.HasPrefix(r.URL.Path, "/jira/") {
				// Jira Cloud's reset: ISO 8601 without seconds,
				// yyyy-MM-ddTHH:mmZ (developer.atlassian.com/cloud/jira/
				// platform/rate-limiting).
				w.Header().Set("X-RateLimit-Reset", domain.Now(s.Now).UTC().Truncate(time.Minute).Add(2*time.Minute).Format("2006-01-02T15:04Z"))
			}
			writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": "API rate limit exceeded"})
			return
		}
		valid, known := s.keyState(tok)
		if !valid {
			api.bad(w, known)
			return
		}
		api.ok(w, r, tok)
	}
}

// keyState reports whether tok is valid, and whether it was ever known (a
// revoked token is known but invalid).
func (s *Server) keyState(tok string) (valid, known bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.validKeys[tok]
	return v, ok
}
