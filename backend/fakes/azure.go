package fakes

import (
	"fmt"
	"net/http"
)

// Azure DevOps fakes: /ado/{org} is an organization without public
// projects, /ado/fabrikam-public one with public projects.
//
// _apis/connectionData (the location service's connection data, as the
// azure-devops-go-api and the REST "Connection Data" answers show it):
// authenticatedUser carries the identity, its descriptor and
// providerDisplayName. A bad or expired PAT gets the sign-in page (HTTP 203
// text/html) instead of a 401; an organization with public projects answers
// every request it cannot authenticate with HTTP 200 as the anonymous
// public-access identity ("System:PublicAccess;…", "Anonymous").
// (learn.microsoft.com/azure/devops/organizations/accounts/
// use-personal-access-tokens-to-authenticate; PROVIDERS.md corrections.)

// adoAnonymousID is the public-access identity's id (the same in every
// organization).
const adoAnonymousID = "aa442a3e-a6c0-4ec8-8c0a-8be8a1a5d2ad"

func adoUser(id, descriptor, name string) map[string]any {
	return map[string]any{"id": id, "descriptor": descriptor, "subjectDescriptor": "aad.ZmFrZQ", "providerDisplayName": name,
		"isActive": true, "properties": map[string]any{}, "resourceVersion": 2, "metaTypeId": 0}
}

// adoConnectionData answers for an authenticated user.
func adoConnectionData(w http.ResponseWriter, _ *http.Request, _ string) {
	u := adoUser("5a1b2c3d-0000-4000-8000-000000000001", `Microsoft.IdentityModel.Claims.ClaimsIdentity;72f988bf-86f1-41af-91ab-2d7cd011db47\ops@example.com`, "Ops Team")
	writeJSON(w, http.StatusOK, map[string]any{"authenticatedUser": u, "authorizedUser": u, "instanceId": "a1b2c3d4-0000-4000-8000-00000000beef",
		"deploymentId": "a1b2c3d4-0000-4000-8000-00000000cafe", "deploymentType": "hosted", "locationServiceData": map[string]any{}})
}

// adoAnonymous is connectionData for a caller the organization did not
// authenticate, where public projects allow anonymous access.
func adoAnonymous(w http.ResponseWriter) {
	u := adoUser(adoAnonymousID, "System:PublicAccess;"+adoAnonymousID, "Anonymous")
	writeJSON(w, http.StatusOK, map[string]any{"authenticatedUser": u, "authorizedUser": u, "instanceId": "a1b2c3d4-0000-4000-8000-00000000beef",
		"deploymentType": "hosted", "locationServiceData": map[string]any{}})
}

// adoSignIn is the sign-in page a bad PAT gets instead of a 401.
func adoSignIn(w http.ResponseWriter, _ bool) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNonAuthoritativeInfo)
	fmt.Fprint(w, "<html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in</body></html>")
}

func (s *Server) adoAPIs() []fakeAPI {
	return []fakeAPI{{"GET /ado/{org}/_apis/connectionData", basicPassword, adoConnectionData, adoSignIn}}
}

// adoPublic serves the organization with public projects.
func (s *Server) adoPublic(mux *http.ServeMux) {
	authed := s.provider(fakeAPI{"", basicPassword, adoConnectionData, func(w http.ResponseWriter, _ bool) { adoAnonymous(w) }})
	mux.HandleFunc("GET /ado/fabrikam-public/_apis/connectionData", func(w http.ResponseWriter, r *http.Request) {
		if b, ok := bearerToken(r); ok && !s.OAuth.ValidAccess(b) {
			s.count(r)
			adoAnonymous(w)
			return
		}
		authed(w, r)
	})
}

// bearerToken is the request's Bearer token, if it has one.
func bearerToken(r *http.Request) (string, bool) {
	const p = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) > len(p) && h[:len(p)] == p {
		return h[len(p):], true
	}
	return "", false
}
