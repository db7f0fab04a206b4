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
