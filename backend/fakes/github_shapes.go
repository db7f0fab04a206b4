package fakes

import (
	"strconv"
	"strings"
)

// GitHub resource shapes with every property GitHub's REST API description
// marks required (github/rest-api-description, descriptions/api.github.com/
// api.github.com.2022-11-28.json: components/schemas/private-user and
// repository); contract_test.go checks them against testdata/contracts.json.

const ghAPI = "https://api.github.com"

// githubUser is a private-user for login.
func githubUser(login string, id int) map[string]any {
	u := ghAPI + "/users/" + login
	return map[string]any{
		"login": login, "id": id, "node_id": "MDQ6VXNlcj" + strconv.Itoa(id), "avatar_url": "https://avatars.githubusercontent.com/u/" + strconv.Itoa(id),
		"gravatar_id": "", "url": u, "html_url": "https://github.com/" + login, "followers_url": u + "/followers",
		"following_url": u + "/following{/other_user}", "gists_url": u + "/gists{/gist_id}", "starred_url": u + "/starred{/owner}{/repo}",
		"subscriptions_url": u + "/subscriptions", "organizations_url": u + "/orgs", "repos_url": u + "/repos", "events_url": u + "/events{/privacy}",
		"received_events_url": u + "/received_events", "type": "User", "site_admin": false, "name": "Octo Bot", "company": nil, "blog": "",
		"location": nil, "email": nil, "hireable": nil, "bio": nil, "public_repos": 2, "public_gists": 0, "followers": 0, "following": 0,
		"created_at": "2020-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z", "private_gists": 0, "total_private_repos": 3,
		"owned_private_repos": 3, "disk_usage": 1024, "collaborators": 0, "two_factor_authentication": true,
	}
}

// githubRepo is a repository named full ("owner/name").
func githubRepo(full string, id int) map[string]any {
	owner, name, _ := strings.Cut(full, "/")
	u := ghAPI + "/repos/" + full
	r := map[string]any{"id": id, "node_id": "R_kgDO" + strconv.Itoa(id), "name": name, "full_name": full, "private": true,
		"owner": githubSimpleUser(owner, 9919), "html_url": "https://github.com/" + full, "description": nil, "fork": false, "url": u,
		"clone_url": "https://github.com/" + full + ".git", "git_url": "git://github.com/" + full + ".git", "ssh_url": "git@github.com:" + full + ".git",
		"svn_url": "https://github.com/" + full, "mirror_url": nil, "homepage": nil, "language": "Go", "forks": 0, "forks_count": 0,
		"stargazers_count": 0, "watchers_count": 0, "watchers": 0, "size": 108, "default_branch": "main", "open_issues": 0, "open_issues_count": 0,
		"has_issues": true, "has_projects": true, "has_wiki": false, "has_pages": false, "has_downloads": true, "has_discussions": false,
		"archived": false, "disabled": false, "license": nil, "pushed_at": "2026-01-02T00:00:00Z", "created_at": "2021-01-01T00:00:00Z",
		"updated_at": "2026-01-02T00:00:00Z"}
	for _, k := range []string{"archive", "assignees", "blobs", "branches", "collaborators", "comments", "commits", "compare", "contents",
		"contributors", "deployments", "downloads", "events", "forks", "git_commits", "git_refs", "git_tags", "hooks", "issue_comment",
		"issue_events", "issues", "keys", "labels", "languages", "merges", "milestones", "notifications", "pulls", "releases",
		"stargazers", "statuses", "subscribers", "subscription", "tags", "teams", "trees"} {
		r[k+"_url"] = u + "/" + k
	}
	return r
}

// githubSimpleUser is a simple-user (a repository's owner).
func githubSimpleUser(login string, id int) map[string]any {
	full := githubUser(login, id)
	out := map[string]any{}
	for _, k := range []string{"login", "id", "node_id", "avatar_url", "gravatar_id", "url", "html_url", "followers_url", "following_url",
		"gists_url", "starred_url", "subscriptions_url", "organizations_url", "repos_url", "events_url", "received_events_url", "type", "site_admin"} {
		out[k] = full[k]
	}
	out["type"] = "Organization"
	return out
}

// githubRepos lists repositories named full.
func githubRepos(full ...string) []map[string]any {
	out := make([]map[string]any, len(full))
	for i, f := range full {
		out[i] = githubRepo(f, 1296269+i)
	}
	return out
}
