package service

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"patchbay/backend/fakes"
	"patchbay/backend/providers"
)

// tokenAuthDocs is each provider's client authentication at its token
// endpoint (RFC 6749 section 2.3.1), as its vendor documents it.
var tokenAuthDocs = map[string]string{
	// RFC 6749 section 2.3.1: servers MUST support Basic; OpenID Connect
	// Discovery's token_endpoint_auth_methods_supported defaults to it.
	// (Discovery, when there is an issuer, picks from the server's list.)
	"generic_oauth2": "basic",
	// developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps: the code
	// exchange and the refresh send client_id and client_secret in the body.
	"jira_cloud": "post",
	// Jira Data Center "Jira OAuth 2.0 provider API": client_id and
	// client_secret are request parameters of /rest/oauth2/latest/token.
	"jira_dc": "post",
	// developer.atlassian.com/cloud/bitbucket/oauth-2: the token request is
	// authenticated with Basic client_id:secret (curl -u).
	"bitbucket": "basic",
	// learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow:
	// client_secret is a parameter of the token request body.
	"azure_devops_boards":    "post",
	"azure_devops_repos":     "post",
	"azure_devops_pipelines": "post",
	// docs.gitlab.com/api/oauth2: client_id and client_secret parameters.
	"gitlab": "post",
	// docs.slack.dev/reference/methods/oauth.v2.access: "avoid sending
	// client_id and client_secret as parameters … supply [them] using the
	// HTTP Basic authentication scheme".
	"slack": "basic",
}

// TestOneTokenRequestPerRefusedRefresh: every OAuth mode of the catalogue
// authenticates its token requests the one way its vendor documents, so a
// refused refresh (an unknown refresh token: invalid_grant in the vendor's
// own shape, fakes/dialects.go) reaches the provider exactly once.
// x/oauth2's AuthStyleAutoDetect sent every failing token request a second
// time with the other client authentication: two uses of a refresh token a
// rotating provider may count against the grant.
func TestOneTokenRequestPerRefusedRefresh(t *testing.T) {
	fake := fakes.New()
	srv := httptest.NewServer(fake.Handler())
	t.Cleanup(srv.Close)
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	cat = cat.WithCloudAt(srv.URL)
	bases := map[string]string{"jira_dc": srv.URL + "/jiradc", "gitlab": srv.URL + "/gitlab"}
	modes := 0
	for _, p := range cat.Providers {
		for i := range p.Modes {
			m := &p.Modes[i]
			if m.OAuth == nil {
				continue
			}
			modes++
			t.Run(p.ID+"/"+m.ID, func(t *testing.T) {
				want, ok := tokenAuthDocs[p.ID]
				if !ok {
					t.Fatalf("%s has no documented client authentication in tokenAuthDocs: add its vendor's", p.ID)
				}
				values := map[string]string{"clientId": fakes.OAuthClientID, "clientSecret": fakes.OAuthClientSecret,
					"tenant": fakes.EntraTenant, "authorizeUrl": srv.URL + "/oauth/authorize", "tokenUrl": srv.URL + "/oauth/token"}
				calls := refuseRefresh(t, fake, oauthConfig(m, bases[p.ID], values))
				if len(calls) != 1 || calls[0].Auth != want || calls[0].Grant != "refresh_token" {
					t.Fatalf("one refused refresh made these token requests: %+v; want one, authenticated by %s", calls, want)
				}
			})
		}
	}
	if modes < 9 {
		t.Fatalf("only %d OAuth modes in the catalogue: did the catalogue change?", modes)
	}

	// A public client (no secret; Entra's "Allow public client flows") puts
	// only its client_id in the body (RFC 6749 section 3.2.1), whatever its
	// vendor's style: a Basic header with an empty password is a secret.
	ado, _ := cat.Provider("azure_devops_boards")
	slack, _ := cat.Provider("slack")
	for _, m := range []*providers.Mode{&ado.Modes[len(ado.Modes)-1], &slack.Modes[len(slack.Modes)-1]} {
		if m.OAuth == nil {
			t.Fatalf("the last mode of %s is not its OAuth mode", m.ID)
		}
		cfg := oauthConfig(m, "", map[string]string{"clientId": fakes.EntraPublicClientID, "tenant": fakes.EntraTenant})
		if calls := refuseRefresh(t, fake, cfg); len(calls) != 1 || calls[0].Auth != "none" {
			t.Fatalf("%s, public client: token requests %+v, want one with the client_id only", m.ID, calls)
		}
	}
}

// refuseRefresh refreshes a token the provider never issued and returns the
// token requests that made.
func refuseRefresh(t *testing.T, fake *fakes.Server, cfg *oauth2.Config) []fakes.TokenCall {
	t.Helper()
	before := len(fake.OAuth.TokenCalls())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stale := &oauth2.Token{AccessToken: "at-old", RefreshToken: "rt-never-issued", Expiry: time.Unix(1, 0)}
	if tok, err := cfg.TokenSource(ctx, stale).Token(); err == nil {
		t.Fatalf("an unknown refresh token was accepted: %+v", tok)
	}
	return fake.OAuth.TokenCalls()[before:]
}
