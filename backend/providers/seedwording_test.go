package providers_test

import (
	"strings"
	"testing"

	"patchbay/backend/providers"
)

// TestReauthFieldsAreTheSeeds pins what the Re-Authenticate dialog asks for
// in every token mode of seeds 000 and 001: the account field kept from the
// connection and the secret under the seed's own word ("API Key", "PAT
// Token"), with the provider's own term kept in the help text. Where 000 and
// 001 disagree (GitLab: 000 asks for email + API Key, 001 for the PAT only),
// the later document, 001, wins (docs/seeds.md).
func TestReauthFieldsAreTheSeeds(t *testing.T) {
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		provider, mode string
		account        string // email, username or "" (none)
		secretLabel    string
		helpMentions   string // the provider's own term, "" when the label is the provider's term
	}{
		{"jira_cloud", "api_token", "email", "API Key", "Atlassian calls it an API token"},
		{"github", "pat", "email", "PAT Token", "personal access token"},
		{"github_actions", "pat", "email", "PAT Token", "personal access token"},
		{"bitbucket", "api_token", "email", "API Key", "Atlassian calls it an API token"},
		{"azure_devops_boards", "pat", "email", "PAT Token", "personal access token"},
		{"azure_devops_repos", "pat", "email", "PAT Token", "personal access token"},
		{"azure_devops_pipelines", "pat", "email", "PAT Token", "personal access token"},
		{"harness", "api_key", "email", "API Key", "API key"},
		{"gitlab", "pat", "", "PAT Token", "personal access token"},
		{"sonarqube", "token", "username", "API Key", "user token"},
	}
	for _, tc := range cases {
		t.Run(tc.provider+"/"+tc.mode, func(t *testing.T) {
			p, ok := cat.Provider(tc.provider)
			if !ok {
				t.Fatalf("provider %s not in the catalogue", tc.provider)
			}
			m, ok := p.Mode(tc.mode)
			if !ok || !m.Reauth {
				t.Fatalf("mode %s/%s missing or not re-authenticable", tc.provider, tc.mode)
			}
			var account, secrets []string
			for _, f := range m.Fields {
				switch {
				case f.Secret():
					secrets = append(secrets, f.Label)
					if !strings.Contains(f.Help, tc.helpMentions) {
						t.Errorf("help of %q = %q, want it to mention %q", f.Label, f.Help, tc.helpMentions)
					}
				case f.Key == "email" || f.Key == "username":
					account = append(account, f.Key)
				}
			}
			if want := tc.account; (want == "" && len(account) != 0) || (want != "" && (len(account) != 1 || account[0] != want)) {
				t.Errorf("account fields = %v, want %q", account, want)
			}
			if len(secrets) != 1 || secrets[0] != tc.secretLabel {
				t.Errorf("secret fields = %v, want [%s]", secrets, tc.secretLabel)
			}
		})
	}
}
