package providers

import (
	"net/http"
	"testing"
)

// nextLink reads RFC 8288 Link fields as GitHub sends them and follows a
// next page only on the API's own scheme and host.
func TestNextLink(t *testing.T) {
	const base = "https://api.github.com"
	for _, tt := range []struct {
		name  string
		links []string
		want  string
	}{
		{"GitHub's order", []string{`<https://api.github.com/user/repos?page=1>; rel="prev", <https://api.github.com/user/repos?page=3&affiliation=owner,collaborator>; rel="next", <https://api.github.com/user/repos?page=5>; rel="last"`},
			"https://api.github.com/user/repos?page=3&affiliation=owner,collaborator"},
		{"last page", []string{`<https://api.github.com/user/repos?page=4>; rel="prev", <https://api.github.com/user/repos?page=1>; rel="first"`}, ""},
		{"several fields, rel list, bare token", []string{`<https://api.github.com/a>; rel="first"`, `<https://api.github.com/b>; title="x, y"; rel="next last"`}, "https://api.github.com/b"},
		{"bare rel", []string{`<https://api.github.com/c>; rel=next`}, "https://api.github.com/c"},
		{"another host gets no credential", []string{`<https://evil.example.com/user/repos?page=2>; rel="next"`}, ""},
		{"a downgrade to http", []string{`<http://api.github.com/user/repos?page=2>; rel="next"`}, ""},
		{"relative", []string{`</user/repos?page=2>; rel="next"`}, ""},
		{"template braces", []string{`<https://api.github.com/x?t={{token}}>; rel="next"`}, ""},
		{"no header", nil, ""},
	} {
		h := http.Header{}
		for _, l := range tt.links {
			h.Add("Link", l)
		}
		if got := nextLink(h, base); got != tt.want {
			t.Errorf("%s: next %q, want %q", tt.name, got, tt.want)
		}
	}
}

// nextPage continues each documented way, sends a credential only to the
// API's own origin and puts a vendor's cursor in the query escaped.
func TestNextPage(t *testing.T) {
	const base = "https://api.bitbucket.org"
	h := http.Header{}
	h.Set("X-MS-ContinuationToken", "a&b={{token}}")
	for _, tt := range []struct {
		name        string
		spec        InventorySpec
		doc         any
		read, pages int
		want        string
	}{
		{"Bitbucket next", InventorySpec{Pages: PagesNext, Next: "next"}, map[string]any{"next": base + "/2.0/repositories?page=2"}, 100, 1, base + "/2.0/repositories?page=2"},
		{"Bitbucket last page", InventorySpec{Pages: PagesNext, Next: "next"}, map[string]any{"values": []any{}}, 100, 1, ""},
		{"next on another host gets no credential", InventorySpec{Pages: PagesNext, Next: "next"}, map[string]any{"next": "https://evil.example.com/2.0/repositories?page=2"}, 100, 1, ""},
		{"cursor in the header, escaped", InventorySpec{URL: "/_apis/projects?api-version=7.1", Pages: PagesCursor, NextHeader: "x-ms-continuationtoken", Param: "continuationToken"}, nil, 100, 1,
			"/_apis/projects?api-version=7.1&continuationToken=a%26b%3D%7B%7Btoken%7D%7D"},
		{"Slack cursor", InventorySpec{URL: "/api/conversations.list", Pages: PagesCursor, Next: "response_metadata.next_cursor", Param: "cursor"}, map[string]any{"response_metadata": map[string]any{"next_cursor": "dGVhbTpDMDYx"}}, 200, 1,
			"/api/conversations.list?cursor=dGVhbTpDMDYx"},
		{"Slack last page", InventorySpec{URL: "/api/conversations.list", Pages: PagesCursor, Next: "response_metadata.next_cursor", Param: "cursor"}, map[string]any{"response_metadata": map[string]any{"next_cursor": ""}}, 200, 1, ""},
		{"Jira not last", InventorySpec{URL: "/s?maxResults=50", Pages: PagesOffset, Next: "isLast", Param: "startAt"}, map[string]any{"isLast": false}, 100, 2, "/s?maxResults=50&startAt=100"},
		{"Jira last", InventorySpec{URL: "/s?maxResults=50", Pages: PagesOffset, Next: "isLast", Param: "startAt"}, map[string]any{"isLast": true}, 100, 2, ""},
		{"offset without the flag stops", InventorySpec{URL: "/s", Pages: PagesOffset, Next: "isLast", Param: "startAt"}, map[string]any{}, 50, 1, ""},
		{"SonarQube more", InventorySpec{URL: "/c?q=TRK", Pages: PagesNumber, Next: "paging.total", Param: "p"}, map[string]any{"paging": map[string]any{"total": 250.0}}, 200, 2, "/c?q=TRK&p=3"},
		{"SonarQube all read", InventorySpec{URL: "/c?q=TRK", Pages: PagesNumber, Next: "paging.total", Param: "p"}, map[string]any{"paging": map[string]any{"total": 250.0}}, 250, 3, ""},
	} {
		if got := nextPage(tt.spec, base, h, tt.doc, tt.read, tt.pages); got != tt.want {
			t.Errorf("%s: next %q, want %q", tt.name, got, tt.want)
		}
	}
}
