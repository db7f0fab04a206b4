package providers

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzURLs: CheckBaseURL, CheckEndpointURL and JoinURL never panic, and
// what they accept is an http(s) URL with a host and no credentials.
func FuzzURLs(f *testing.F) {
	for _, s := range []string{"https://example.com", "http://127.0.0.1:8080/", "https://u:p@x.example", "ftp://x", "https://x.example/a?b#c",
		"https://[::1]:443/p/", "https://x.example/%zz", " https://x.example ", "javascript:alert(1)//://", "https://x.example\\@evil"} {
		f.Add(s, "/rest/api/3/myself?x=1")
	}
	f.Fuzz(func(t *testing.T, raw, ref string) {
		ok := func(what, s string) {
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
				t.Fatalf("%s accepted %q (from %q, %q): %v", what, s, raw, ref, err)
			}
		}
		for _, q := range []bool{false, true} {
			if s, err := CheckBaseURL("baseUrl", raw, q); err == nil {
				ok("CheckBaseURL", s)
				if strings.HasSuffix(s, "/") {
					t.Fatalf("CheckBaseURL(%q) kept a trailing slash: %q", raw, s)
				}
			}
		}
		if s, err := CheckEndpointURL("tokenUrl", raw); err == nil {
			ok("CheckEndpointURL", s)
		}
		if s, err := JoinURL("validationUrl", raw, ref); err == nil {
			ok("JoinURL", s)
		}
	})
}
