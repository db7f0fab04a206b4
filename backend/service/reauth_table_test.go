package service_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

// TestReauthenticateEveryTokenMode runs seeds 000/001's re-authentication
// for every token mode that has a fake (one per provider of the catalogue):
// a new credential the provider accepts replaces the old one and keeps the
// mode and every setting; one it refuses changes nothing and says the old
// credential was kept. The fakes reproduce each vendor's documented answers
// (backend/fakes/providers.go names them).
func TestReauthenticateEveryTokenMode(t *testing.T) {
	cat, _ := providers.Load()
	table := append(fakes.Demos(),
		// The token modes the demo has no row of: the Generic API key against
		// the fakes' generic API, and Azure DevOps Repos and Pipelines by PAT.
		fakes.Demo{Provider: "generic_api_key", Mode: "api_key", Config: map[string]string{"headerName": fakes.GenericHeader, "validationUrl": "{{fake}}" + fakes.GenericValidate},
			Secrets: map[string]string{"apiKey": fakes.GenericGoodKey}},
		fakes.Demo{Provider: "azure_devops_repos", Mode: "pat", BasePath: "/ado/contoso", Config: map[string]string{"email": "ops@example.com"}, Secrets: map[string]string{"token": fakes.AzureToken}},
		fakes.Demo{Provider: "azure_devops_pipelines", Mode: "pat", BasePath: "/ado/contoso", Config: map[string]string{"email": "ops@example.com"}, Secrets: map[string]string{"token": fakes.AzureToken}},
	)
	// Every mode of the catalogue that re-authenticates with a typed
	// credential has a row: none is left out (OAuth 2.0 modes are
	// TestOAuthReauthReturnsForValidateConnection's, OAuth 1.0a TestOAuth1*'s).
	covered := map[string]bool{}
	for _, d := range table {
		covered[d.Provider+"/"+d.Mode] = true
	}
	for _, p := range cat.Providers {
		for _, m := range p.Modes {
			if m.Reauth && m.OAuth == nil && m.OAuth1 == nil && !covered[p.ID+"/"+m.ID] {
				t.Errorf("%s/%s re-authenticates with a typed credential but has no row here", p.ID, m.ID)
			}
		}
	}
	for _, d := range table {
		t.Run(d.Provider+"/"+d.Mode, func(t *testing.T) {
			sec := secrets.NewMemory()
			e := newEnvWithURL(t, sec, func(url string) *providers.Catalogue { return cat.AllSelfHosted().WithCloudAt(url) })
			ctx := context.Background()
			p, _ := cat.Provider(d.Provider)
			m, _ := p.Mode(d.Mode)
			config := maps.Clone(d.Config)
			for k, v := range config {
				config[k] = strings.ReplaceAll(v, "{{fake}}", e.url)
			}
			base := e.url + d.BasePath
			if d.BasePath == "" {
				base = "" // the Generic API key has no base URL: its validation URL is the whole address
			}
			c, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: d.Provider, AuthMode: d.Mode, Label: "Re-auth " + p.Name,
				WorkspaceIDs: []string{e.ws.ID}, BaseURL: base, Config: config, Secrets: d.Secrets})
			if err != nil {
				t.Fatal(err)
			}
			key := "connection/" + c.ID
			if g := c.Config[service.GroupKey]; g != "" {
				key = "connection/" + g
			}
			var field providers.Field
			for _, f := range m.Fields {
				if f.Secret() {
					field = f
				}
			}
			old := strings.Split(d.Secrets[field.Key], "\n")[0]
			fresh := old[:len(old)-4] + "9FR3" // same shape, new value
			bad := old[:len(old)-4] + "0BAD"
			e.fake.SetKey(fresh, true)
			e.fake.SetKey(bad, false)
			draft := func(secret string) domain.ReauthDraft {
				r := domain.ReauthDraft{Config: map[string]string{}, Secrets: map[string]string{field.Key: secret}}
				for _, f := range m.Fields {
					if !f.Secret() && (f.Key == "email" || f.Key == "username") {
						r.Config[f.Key] = c.Config[f.Key]
					}
				}
				if field.Multiple {
					r.Pool, r.Index = "replace", 0
				}
				return r
			}
			before, _ := sec.Get(ctx, key)

			// Refused by the provider: nothing changes.
			if _, err := e.svc.ReauthenticateConnection(ctx, c.ID, draft(bad)); domain.ErrorCode(err) != domain.EValidation || !strings.Contains(err.Error(), "previous credential") {
				t.Fatalf("refused credential: %v", err)
			}
			if now, _ := sec.Get(ctx, key); now != before {
				t.Fatal("a refused credential replaced the stored one")
			}
			// Accepted: the secret switches, the mode and settings stay.
			res, err := e.svc.ReauthenticateConnection(ctx, c.ID, draft(fresh))
			if err != nil {
				t.Fatalf("accepted credential: %v", err)
			}
			now, _ := sec.Get(ctx, key)
			if now == before || !strings.Contains(now, fresh) {
				t.Fatalf("the secret did not switch: %s", now)
			}
			got := res.Connection
			if got.Status != domain.StatusActive || got.AuthMode != d.Mode || got.BaseURL != c.BaseURL || !maps.Equal(got.Config, c.Config) {
				t.Fatalf("after re-authentication: %+v (was %+v)", got, c)
			}
			assertNotInFiles(t, e.dbPath, fresh)
		})
	}
}
