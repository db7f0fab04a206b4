package fakes

import (
	"net/http"
	"strings"
	"time"

	"patchbay/backend/domain"
)

// SonarQube fakes. /sonar is SonarQube 10.x and later (and SonarQube
// Cloud): a user token works as "Authorization: Bearer" or as the Basic user
// name with an empty password. /sonar99 is SonarQube 9.9 LTS, which allows
// anonymous access here (sonar.forceAuthentication=false): it reads only the
// Basic form and ignores a Bearer header, so such a request is anonymous.
// (docs.sonarsource.com, "Web API" authentication section, 9.9 and 10.0;
// the api/users/current response example of the server's own web_api page.)

// sonarToken is the token of a SonarQube 10.x request: Bearer or Basic user.
func sonarToken(r *http.Request) string {
	if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return b
	}
	u, _, _ := r.BasicAuth()
	return u
}

// sonar99Token is the token of a SonarQube 9.9 request: the Basic user only.
func sonar99Token(r *http.Request) string {
	u, _, _ := r.BasicAuth()
	return u
}

// sonarCurrent answers api/users/current for a logged-in user (the example
// of SonarQube's web_api documentation, trimmed).
func sonarCurrent(w http.ResponseWriter, _ *http.Request, _ string) {
	writeJSON(w, http.StatusOK, map[string]any{"isLoggedIn": true, "id": "AYhSEnMhkVEW1dM4UgCP", "login": "ci-bot", "name": "CI Bot",
		"email": "ci-bot@example.com", "local": true, "externalIdentity": "ci-bot", "externalProvider": "sonarqube",
		"groups": []string{"sonar-users"}, "scmAccounts": []string{}, "permissions": map[string]any{"global": []string{"scan"}},
		"homepage": map[string]string{"type": "PROJECTS"}, "usingSonarLintConnectedMode": false})
}

// sonarAnonymous is api/users/current for an anonymous caller on a server
// that allows anonymous access.
func sonarAnonymous(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]any{"isLoggedIn": false, "permissions": map[string]any{"global": []string{}}})
}

// sonarUnauthorized: a token SonarQube does not know is HTTP 401 without a
// body.
func sonarUnauthorized(w http.ResponseWriter, _ bool) { w.WriteHeader(http.StatusUnauthorized) }

// sonarAPIs are the SonarQube endpoints of both fake servers.
func (s *Server) sonarAPIs() []fakeAPI {
	// api/components/search with the fake's projects, a page at a time
	// (sonarPage).
	components := func(w http.ResponseWriter, r *http.Request, _ string) {
		writeJSON(w, http.StatusOK, sonarPage(r, s.listed("", "api", "web")))
	}
	return []fakeAPI{
		{"GET /sonar/api/users/current", sonarToken, func(w http.ResponseWriter, r *http.Request, tok string) {
			// "If a token is used to interact with the API, a
			// SonarQube-Authentication-Token-Expiration HTTP header is added"
			// (docs.sonarsource.com, Web API), in DATETIME_FORMAT.
			if strings.Contains(tok, MarkExpiry) {
				w.Header().Set("SonarQube-Authentication-Token-Expiration", domain.Now(s.Now).Add(72*time.Hour).Format("2006-01-02T15:04:05-0700"))
			}
			sonarCurrent(w, r, tok)
		}, sonarUnauthorized},
		{"GET /sonar/api/components/search", sonarToken, components, sonarUnauthorized},
		// api/authentication/validate: {"valid":true|false}, HTTP 200 either way.
		{"GET /sonar/api/authentication/validate", sonarToken, func(w http.ResponseWriter, r *http.Request, _ string) {
			writeJSON(w, 200, map[string]bool{"valid": true})
		}, func(w http.ResponseWriter, _ bool) { writeJSON(w, 200, map[string]bool{"valid": false}) }},
		{"GET /sonar99/api/components/search", sonar99Token, components, sonarUnauthorized},
	}
}

// sonar99 serves the 9.9 LTS endpoints that answer anonymous callers.
func (s *Server) sonar99(mux *http.ServeMux) {
	current := s.provider(fakeAPI{"", sonar99Token, sonarCurrent, sonarUnauthorized})
	mux.HandleFunc("GET /sonar99/api/users/current", func(w http.ResponseWriter, r *http.Request) {
		if _, _, basic := r.BasicAuth(); !basic {
			s.count(r)
			sonarAnonymous(w) // a Bearer header is not read by 9.9
			return
		}
		current(w, r)
	})
	validate := s.provider(fakeAPI{"", sonar99Token, func(w http.ResponseWriter, r *http.Request, _ string) {
		writeJSON(w, 200, map[string]bool{"valid": true})
	}, func(w http.ResponseWriter, _ bool) { writeJSON(w, 200, map[string]bool{"valid": false}) }})
	mux.HandleFunc("GET /sonar99/api/authentication/validate", func(w http.ResponseWriter, r *http.Request) {
		if _, _, basic := r.BasicAuth(); !basic {
			s.count(r)
			writeJSON(w, 200, map[string]bool{"valid": true}) // anonymous is "valid" on 9.9
			return
		}
		validate(w, r)
	})
}
