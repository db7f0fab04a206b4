package service_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

// TestOAuthReauthReturnsForValidateConnection covers seeds 000/001 for every
// OAuth 2.0 mode of the catalogue (Bitbucket, Azure DevOps, Jira, GitLab,
// Slack…): after consent the re-authentication stops in state authorized and
// says who authorized and what was granted; the old token is still the one
// in use. Validate Connection (CompleteConsent) validates again and only then
// replaces it. A grant revoked before Validate Connection fails and keeps the
// old token; Cancel drops the new token. The provider is the fake OAuth 2.0
// server (RFC 6749 §4.1 authorization code grant, RFC 7636 PKCE).
func TestOAuthReauthReturnsForValidateConnection(t *testing.T) {
	cat, _ := providers.Load()
	basePath := map[string]string{}
	for _, d := range fakes.Demos() {
		basePath[d.Provider] = d.BasePath
	}
	for _, p := range cat.Providers {
		for _, m := range p.Modes {
			if m.OAuth == nil || p.ID == "generic_oauth2" {
				continue
			}
			t.Run(p.ID+"/"+m.ID, func(t *testing.T) {
				sec := secrets.NewMemory()
				e := newEnvWithURL(t, sec, func(url string) *providers.Catalogue { return cat.AllSelfHosted().WithCloudAt(url) })
				ctx := context.Background()
				path, ok := basePath[p.ID]
				if strings.HasPrefix(p.ID, "azure_devops") {
					path, ok = "/ado/contoso", true
				}
				if !ok {
					// Every OAuth 2.0 mode of the catalogue has a fake: a new
					// one without it fails here, it is never skipped.
					t.Fatalf("the fakes have no OAuth 2.0 endpoints for %s", p.ID)
				}
				port := freePort(t)
				config := map[string]string{"clientId": fakes.OAuthClientID, "redirectPort": port}
				for _, f := range m.Fields {
					switch f.Key {
					case "tenant":
						config["tenant"] = fakes.EntraTenant
					case "redirectUri":
						config["redirectUri"] = relay
					}
				}
				if m.OAuth.Redirect == "https" {
					config["redirectUri"] = relay
				}
				st, err := e.svc.StartConsent(ctx, domain.ConnectionDraft{Provider: p.ID, AuthMode: m.ID, Label: p.Name + " by OAuth", WorkspaceIDs: []string{e.ws.ID},
					BaseURL: e.url + path, Config: config, Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}})
				if err != nil {
					t.Fatal(err)
				}
				approve(t, st.AuthURL, port)
				if st = waitConsent(t, e, st.ID); st.State != domain.ConsentDone {
					t.Fatalf("connect: %+v", st)
				}
				c, _ := e.svc.GetConnection(ctx, st.ConnectionID)
				key := "oauth-token/" + c.ID
				if g := c.Config[service.GroupKey]; g != "" {
					key = "oauth-token/" + g
				}
				old, err := sec.Get(ctx, key)
				if err != nil || old == "" {
					t.Fatalf("no token stored at %s: %v", key, err)
				}
				reauth := func() domain.ConsentStatus {
					t.Helper()
					st, err := e.svc.ReauthorizeConnection(ctx, c.ID, domain.ReauthorizeDraft{Confirm: true})
					if err != nil {
						t.Fatal(err)
					}
					body := approve(t, st.AuthURL, port)
					if !strings.Contains(body, "Validate Connection") {
						t.Errorf("the browser tab does not send the user back to Validate Connection: %q", body)
					}
					return waitConsent(t, e, st.ID)
				}
				unchanged := func(when string) {
					t.Helper()
					if now, _ := sec.Get(ctx, key); now != old {
						t.Fatalf("%s: the token was replaced before Validate Connection succeeded", when)
					}
				}

				// Consent returns for Validate Connection, saying who and what.
				st = reauth()
				if st.State != domain.ConsentAuthorized || st.AuthorizedAs == "" || len(st.Granted) == 0 {
					t.Fatalf("after consent: %+v", st)
				}
				unchanged("after consent")
				// A grant revoked before Validate Connection: refused, old token kept.
				e.fake.OAuth.RevokeAll()
				if _, err := e.svc.CompleteConsent(ctx, st.ID); err == nil || !strings.Contains(err.Error(), "previous credential was kept") {
					t.Fatalf("validate of a revoked grant: %v", err)
				}
				unchanged("after a failed Validate Connection")
				if got, _ := e.svc.GetConsent(ctx, st.ID); got.State != domain.ConsentFailed || got.Check == nil {
					t.Fatalf("failed validate: %+v", got)
				}

				// Cancel after consent drops the new token.
				st = reauth()
				if err := e.svc.CancelConsent(ctx, st.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := e.svc.CompleteConsent(ctx, st.ID); domain.ErrorCode(err) != domain.EConflict {
					t.Fatalf("validate after cancel: %v", err)
				}
				unchanged("after cancel")

				// Validate Connection: now, and only now, the new token is in use.
				st = reauth()
				got, err := e.svc.CompleteConsent(ctx, st.ID)
				if err != nil || got.Status != domain.StatusActive || got.ID != c.ID {
					t.Fatalf("validate: %+v %v", got, err)
				}
				if now, _ := sec.Get(ctx, key); now == old {
					t.Fatal("Validate Connection did not replace the token")
				}
				if s2, _ := e.svc.GetConsent(ctx, st.ID); s2.State != domain.ConsentDone || s2.ConnectionID != c.ID {
					t.Fatalf("consent after validate: %+v", s2)
				}
				// Single use.
				if _, err := e.svc.CompleteConsent(ctx, st.ID); domain.ErrorCode(err) != domain.EConflict {
					t.Fatalf("second validate: %v", err)
				}
			})
		}
	}
}

// relay is the HTTPS page a team registers with providers that accept only
// HTTPS redirects (Jira Data Center, Slack); it forwards to the loopback port.
const relay = "https://relay.example.com/patchbay"

// approve approves a consent at the fake provider as the browser would, going
// through the registered HTTPS relay when the provider redirects there, and
// returns the page the loopback listener showed.
func approve(t *testing.T, authURL, port string) string {
	t.Helper()
	back, err := fakes.ConsentRedirect(authURL, "approve", nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(back, relay) {
		u, _ := url.Parse(back)
		back = "http://127.0.0.1:" + port + "/?" + u.RawQuery
	}
	resp, err := http.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}
