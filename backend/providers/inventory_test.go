package providers_test

import (
	"context"
	"fmt"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
)

// githubInventory lists the fake GitHub's repositories through the
// catalogue's GitHub PAT mode.
func githubInventory(t *testing.T, fake *fakes.Server, url string, cat *providers.Catalogue, spec *providers.InventorySpec) ([]string, domain.CheckResult) {
	t.Helper()
	p, _ := cat.Provider("github")
	m, _ := p.Mode("pat")
	if spec == nil {
		spec = p.Inventory
	}
	fake.SetKey(fakes.GitHubToken, true)
	return providers.NewValidator().Inventory(context.Background(), providers.Target{Provider: p, Mode: m, BaseURL: url + "/github",
		Values: map[string]string{"token": fakes.GitHubToken}}, *spec)
}

// GitHub's /user/repos answers one page at a time and names the next in its
// Link header (docs.github.com, "Using pagination in the REST API"): the
// inventory asks for 100 a page and reads every page.
func TestGitHubInventoryReadsEveryPage(t *testing.T) {
	fake, url, cat := vendorEnv(t)
	for i := 3; i < 250; i++ { // the fake starts with 3: 250 in all, 3 pages of 100
		fake.AddRepository(fmt.Sprintf("octo-org/repo-%03d", i))
	}
	names, res := githubInventory(t, fake, url, cat, nil)
	if !res.OK() || len(names) != 250 || names[0] != "octo-org/api" || names[249] != "octo-org/repo-249" {
		t.Fatalf("inventory: %d names (%s %q)", len(names), res.Class, res.Message)
	}
	if n := fake.Requests("/github/user/repos"); n != 3 {
		t.Fatalf("%d requests for 3 pages", n)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Fatalf("%s listed twice", n)
		}
		seen[n] = true
	}
	if res.Message != "Fetched 250 repositories." {
		t.Fatalf("message %q", res.Message)
	}
}

// The page cap: past MaxPages the inventory stops and says more exist.
func TestInventoryPageCap(t *testing.T) {
	fake, url, cat := vendorEnv(t)
	for i := 3; i < 250; i++ {
		fake.AddRepository(fmt.Sprintf("octo-org/repo-%03d", i))
	}
	p, _ := cat.Provider("github")
	capped := *p.Inventory
	capped.MaxPages = 2
	names, res := githubInventory(t, fake, url, cat, &capped)
	if !res.OK() || len(names) != 200 || fake.Requests("/github/user/repos") != 2 {
		t.Fatalf("capped inventory: %d names, %d requests (%s %q)", len(names), fake.Requests("/github/user/repos"), res.Class, res.Message)
	}
	if res.Message != "Fetched the first 200 repositories (2 pages); the provider lists more." {
		t.Fatalf("message %q", res.Message)
	}
}
