package providers_test

import (
	"context"
	"fmt"
	"strings"
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

// Every other provider whose list endpoint its vendor documents as
// paginated is read to the end, in that vendor's way (the fakes paginate as
// documented, backend/fakes/pages.go): Jira Cloud by startAt until isLast,
// Bitbucket Cloud by the answer's "next" URL, Azure DevOps by the
// x-ms-continuationtoken header, GitLab by the Link header, SonarQube by
// page number until paging.total, Slack by response_metadata.next_cursor.
// Reading only the first page fails here: the lists are longer than a page.
func TestInventoryReadsEveryDocumentedPage(t *testing.T) {
	const added = 250
	for _, tt := range []struct {
		provider, path string
		perPage, fixed int // the catalogue's page size (or the vendor's default), the fake's own items
		last           string
	}{
		{"jira_cloud", "/jira/rest/api/3/project/search", 50, 2, "more-249"},
		{"bitbucket", "/bitbucket/2.0/repositories", 100, 1, "acme/more-249"},
		{"azure_devops_boards", "/ado/contoso/_apis/projects", 100, 2, "more-249"},
		{"gitlab", "/gitlab/api/v4/projects", 100, 2, "ops/more-249"},
		{"sonarqube", "/sonar/api/components/search", 100, 2, "more-249"},
		{"slack", "/slack/api/conversations.list", 200, 4, "more-249"},
	} {
		t.Run(tt.provider, func(t *testing.T) {
			fake, url, cat := vendorEnv(t)
			fake.AddListItems(added)
			var demo fakes.Demo
			for _, d := range fakes.Demos() {
				if d.Provider == tt.provider {
					demo = d
				}
			}
			p, _ := cat.Provider(tt.provider)
			m, _ := p.Mode(demo.Mode)
			values := map[string]string{}
			for k, v := range demo.Config {
				values[k] = v
			}
			for k, v := range demo.Secrets {
				values[k] = strings.Split(v, "\n")[0]
			}
			names, res := providers.NewValidator().Inventory(context.Background(), providers.Target{Provider: p, Mode: m, BaseURL: url + demo.BasePath, Values: values}, *p.Inventory)
			total := tt.fixed + added
			pages := (total + tt.perPage - 1) / tt.perPage
			if !res.OK() || len(names) != total || names[total-1] != tt.last {
				t.Fatalf("inventory: %d names, want %d ending %s (%s %q)", len(names), total, tt.last, res.Class, res.Message)
			}
			if n := fake.Requests(tt.path); n != pages {
				t.Fatalf("%d requests for %d pages", n, pages)
			}
			seen := map[string]bool{}
			for _, n := range names {
				if seen[n] {
					t.Fatalf("%s listed twice", n)
				}
				seen[n] = true
			}
			if want := fmt.Sprintf("Fetched %d %s.", total, p.Inventory.Kind); res.Message != want {
				t.Fatalf("message %q, want %q", res.Message, want)
			}
		})
	}
}

// A GitHub App's inventory, GET /installation/repositories, pages as
// GitHub's REST API does (per_page, page, Link rel="next"; REST "List
// repositories accessible to the app installation"): every page is read.
func TestGitHubAppInventoryReadsEveryPage(t *testing.T) {
	fake, url, cat := vendorEnv(t)
	fake.AddListItems(250)
	p, _ := cat.Provider("github")
	m, _ := p.Mode("github_app")
	v := providers.NewValidator()
	names, res := v.Inventory(context.Background(), providers.Target{Provider: p, Mode: m, BaseURL: url + "/github",
		Values: map[string]string{"appId": fakes.GitHubAppID, "installationId": fakes.GitHubInstallationID, "privateKey": fakes.GitHubAppPrivateKey}}, *p.Inventory)
	if !res.OK() || len(names) != 252 || names[251] != "octo-org/more-249" {
		t.Fatalf("inventory: %d names (%s %q), want 252 ending octo-org/more-249", len(names), res.Class, res.Message)
	}
	if n := fake.Requests("/github/installation/repositories"); n != 3 {
		t.Fatalf("%d requests for 3 pages", n)
	}
}
