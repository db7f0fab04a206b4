package httpapi

import (
	"strings"
	"testing"
)

// FuzzCleanRedirect: the ?token= redirect target is always a path on this
// origin.
func FuzzCleanRedirect(f *testing.F) {
	for _, s := range []string{"", "/", "//evil.example", "/\\evil.example", "\\\\evil", "/a/../../b", "/integrations/x?y", "/%5Cevil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := CleanRedirect(p)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.Contains(got, "\\") {
			t.Fatalf("CleanRedirect(%q) = %q leaves the origin", p, got)
		}
	})
}
