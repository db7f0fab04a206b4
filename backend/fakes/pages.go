package fakes

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The fakes' list endpoints answer one page at a time, each as its vendor
// documents it; AddListItems makes every list long enough to need several.

// AddListItems makes every fake list (Jira, Bitbucket, Azure DevOps,
// GitLab, SonarQube and Slack inventories, a GitHub App installation's
// repositories; AddRepository lengthens /user/repos) n items longer; they are named
// "more-NNN" (with the list's namespace, as in "acme/more-000").
func (s *Server) AddListItems(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.moreItems = append(s.moreItems, fmt.Sprintf("more-%03d", len(s.moreItems)))
	}
}

// listed is a list's items: fixed, then the AddListItems ones after prefix.
func (s *Server) listed(prefix string, fixed ...string) []string {
	s.mu.Lock()
	more := s.moreItems
	s.mu.Unlock()
	out := append([]string(nil), fixed...)
	for _, m := range more {
		out = append(out, prefix+m)
	}
	return out
}

// span is the page a list request asks for: the query parameter at gives
// its first item (an index from 0, or with numbered a page number from 1),
// size its length (default def, at most top). more says items follow it.
func span(r *http.Request, items []string, at string, numbered bool, size string, def, top int) (page []string, from, per int, more bool) {
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get(size))
	if err != nil || per < 1 {
		per = def
	}
	per = min(per, top)
	from, _ = strconv.Atoi(q.Get(at))
	if numbered {
		from = (max(from, 1) - 1) * per
	}
	from = min(max(from, 0), len(items))
	page = items[from:min(from+per, len(items))]
	return page, from, per, from+len(page) < len(items)
}

// linkPage answers one page as GitHub and GitLab do
// (docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api;
// docs.gitlab.com/api/rest, "Offset-based pagination" and "Pagination Link
// header"): per_page (default def, at most 100) and page (from 1) choose
// the page, and a Link header (RFC 8288) names the "prev", "next", "first"
// and "last" pages by absolute URL, the request's other parameters kept;
// the last page has no "next".
func linkPage(w http.ResponseWriter, r *http.Request, items []string, def int) []string {
	page, from, per, more := span(r, items, "page", true, "per_page", def, 100)
	n, q := from/per+1, r.URL.Query()
	var links []string
	for _, l := range [...]struct {
		ok  bool
		n   int
		rel string
	}{{n > 1, n - 1, "prev"}, {more, n + 1, "next"}, {more, (len(items) + per - 1) / per, "last"}, {n > 1, 1, "first"}} {
		if l.ok {
			q.Set("page", strconv.Itoa(l.n))
			links = append(links, "<http://"+r.Host+r.URL.Path+"?"+q.Encode()+`>; rel="`+l.rel+`"`)
		}
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	return page
}

// githubPage is a page of GitHub's (per_page default 30).
func githubPage(w http.ResponseWriter, r *http.Request, items []string) []string {
	return linkPage(w, r, items, 30)
}

// jiraPage is a PageBeanProject (Jira Cloud platform REST v3, "Get projects
// paginated", and the "Pagination" section of its introduction): startAt
// (from 0) and maxResults (default 50) choose the items; the answer tells
// startAt, maxResults, the total and isLast.
func jiraPage(r *http.Request, items []string) json.RawMessage {
	page, from, per, more := span(r, items, "startAt", false, "maxResults", 50, 100)
	return fmt.Appendf(nil, `{"maxResults":%d,"startAt":%d,"total":%d,"isLast":%t,"values":%s}`, per, from, len(items), !more, namesJSON("name", page))
}

// bitbucketPage is a paginated list of Bitbucket Cloud's
// (developer.atlassian.com/cloud/bitbucket/rest/intro, "Pagination"):
// page (from 1) and pagelen (default 10, at most 100) choose the items;
// "next" is the absolute URL of the next page, absent on the last, and
// clients follow it rather than build their own.
func bitbucketPage(r *http.Request, items []string) json.RawMessage {
	page, from, per, more := span(r, items, "page", true, "pagelen", 10, 100)
	next := ""
	if more {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(from/per+2))
		next = `"next":` + string(mustJSON("http://"+r.Host+r.URL.Path+"?"+q.Encode())) + ","
	}
	return fmt.Appendf(nil, `{"pagelen":%d,"page":%d,"size":%d,%s"values":%s}`, per, from/per+1, len(items), next, namesJSON("full_name", page))
}

// adoPage is Azure DevOps' Projects - List (learn.microsoft.com/rest/api/
// azure/devops/core/projects/list, 7.1): $top (default 100) projects after
// continuationToken; when more follow, the x-ms-continuationtoken response
// header carries the token for the next request. The answer is {count,
// value}.
func adoPage(w http.ResponseWriter, r *http.Request, items []string) json.RawMessage {
	page, from, _, more := span(r, items, "continuationToken", false, "$top", 100, 1000)
	if more {
		w.Header().Set("x-ms-continuationtoken", strconv.Itoa(from+len(page)))
	}
	return fmt.Appendf(nil, `{"count":%d,"value":%s}`, len(page), namesJSON("name", page))
}

// sonarPage is SonarQube's api/components/search (the server's web_api
// documentation): p (from 1) and ps (default 100, at most 500) choose the
// page; paging tells pageIndex, pageSize and the total.
func sonarPage(r *http.Request, items []string) json.RawMessage {
	page, from, per, _ := span(r, items, "p", true, "ps", 100, 500)
	return fmt.Appendf(nil, `{"paging":{"pageIndex":%d,"pageSize":%d,"total":%d},"components":%s}`, from/per+1, per, len(items), namesJSON("name", page))
}

// slackPage is a cursor-paginated Slack method (docs.slack.dev/apis/web-api/
// pagination; conversations.list): limit (default 100, at most 1000) items
// after the opaque cursor; response_metadata.next_cursor points at the rest
// and is "" on the last page.
func slackPage(r *http.Request, items []string) (page []string, next string) {
	b, _ := base64.StdEncoding.DecodeString(r.URL.Query().Get("cursor"))
	from, _ := strconv.Atoi(strings.TrimPrefix(string(b), "team:"))
	page, _, _, more := span(r, items[min(max(from, 0), len(items)):], "", false, "limit", 100, 1000)
	if more {
		next = base64.StdEncoding.EncodeToString([]byte("team:" + strconv.Itoa(from+len(page))))
	}
	return page, next
}

// namesJSON is the JSON array of objects naming vs in field.
func namesJSON(field string, vs []string) []byte { return mustJSON(names(field, vs...)) }
