package fakes

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
)

// GitLab as an OAuth 2.0 provider, on the fake's /gitlab server, as
// docs.gitlab.com/api/oauth2 ("OAuth 2.0 identity provider API") documents
// it: GET /oauth/authorize (authorization code with PKCE), POST /oauth/token
// (the code exchange, and refresh_token grants that repeat the
// authorization's redirect_uri and invalidate the existing access and
// refresh tokens), and the REST API (GET /api/v4/user) answering an OAuth
// access token. GitLab's OAuth provider is Doorkeeper: its token errors
// carry Doorkeeper's descriptions, and the REST API refuses an expired or
// revoked token with GitLab's own invalid_token messages (lib/api/api_guard.rb).

// doorkeeperErrors are Doorkeeper's error_description texts (its en.yml
// locale, doorkeeper.errors.messages), which GitLab's /oauth/token sends.
var doorkeeperErrors = map[string]string{
	"invalid_grant":          "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
	"invalid_client":         "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
	"unsupported_grant_type": "The authorization grant type is not supported by the authorization server.",
	"invalid_request":        "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.",
}

// GitLab's REST API answers for an OAuth access token it no longer accepts
// (401, error invalid_token, with a Bearer WWW-Authenticate challenge).
const (
	GitLabTokenExpired = "Token is expired. You can either do re-authorization or token refresh."
	GitLabTokenRevoked = "Token was revoked. You have to re-authorize from the user."
)

func (o *OAuthServer) registerGitLab(mux *http.ServeMux) {
	mux.HandleFunc("GET /gitlab/oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != OAuthClientID {
			// Doorkeeper shows its error page for an unknown application.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, "<!doctype html><title>An error has occurred</title><h1>An error has occurred</h1><p>%s</p>", html.EscapeString(doorkeeperErrors["invalid_client"]))
			return
		}
		if q.Get("response_type") != "code" {
			// An unsupported response type goes back to the client.
			back, err := url.Parse(q.Get("redirect_uri"))
			if err != nil || back.Host == "" {
				http.Error(w, "The redirect URI included is not valid.", http.StatusBadRequest)
				return
			}
			v := back.Query()
			v.Set("error", "unsupported_response_type")
			v.Set("error_description", "The authorization server does not support this response type.")
			v.Set("state", q.Get("state"))
			back.RawQuery = v.Encode()
			http.Redirect(w, r, back.String(), http.StatusFound)
			return
		}
		o.authorize(w, r)
	})
	mux.HandleFunc("POST /gitlab/oauth/token", func(w http.ResponseWriter, r *http.Request) { o.grantToken(w, r, dialectGitLab) })
}

// accessProblem says why a bearer token this server issued is refused:
// "revoked" (its grant, or a refresh, revoked it), "expired", or "" when it
// is live or was never issued here.
func (o *OAuthServer) accessProblem(tok string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.access[tok]
	switch {
	case !ok:
		return ""
	case a.g.revoked || a.revoked:
		return "revoked"
	case o.now().After(a.expires):
		return "expired"
	}
	return ""
}

// gitlabRefused answers like GitLab's API guard when an OAuth access token
// is revoked or expired (401 invalid_token, Rack::OAuth2's Bearer
// challenge); it reports whether it answered.
func (o *OAuthServer) gitlabRefused(w http.ResponseWriter, tok string) bool {
	desc := map[string]string{"revoked": GitLabTokenRevoked, "expired": GitLabTokenExpired}[o.accessProblem(tok)]
	if desc == "" {
		return false
	}
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="Protected by OAuth 2.0", error="invalid_token", error_description=%q`, desc))
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": desc})
	return true
}
