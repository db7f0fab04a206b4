package fakes

import (
	"encoding/json"
	"net/http"
)

// Azure DevOps fakes: /ado/{org} is an organization without public
// projects, /ado/fabrikam-public one with public projects.
//
// _apis/connectionData (the location service's connection data, as the
// azure-devops-go-api and the REST "Connection Data" answers show it):
// authenticatedUser carries the identity, its descriptor and
// providerDisplayName. A PAT Azure DevOps does not know is answered 401 with
// a Basic challenge (microsoft/AzDevOpsDemoGenerator#56), one that was valid
// and has expired (here: a key made invalid) 401 with a JSON message and
// X-TFS-ServiceError (microsoft/azure-pipelines-tasks#18732); an
// organization with public projects answers every request it cannot
// authenticate with HTTP 200 as the anonymous public-access identity
// ("System:PublicAccess;…", "Anonymous").
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

// adoRefused answers a PAT Azure DevOps does not accept: unknown, or
// expired (a known one made invalid).
func adoRefused(w http.ResponseWriter, expired bool) {
	if !expired {
		w.Header().Set("WWW-Authenticate", `Basic realm="https://dev.azure.com/"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("X-TFS-ServiceError", "Access%20Denied%3A%20The%20Personal%20Access%20Token%20used%20has%20expired.")
	writeJSON(w, http.StatusUnauthorized, json.RawMessage(`{"$id":"1","innerException":null,"message":"Access Denied: The Personal Access Token used has expired.",`+
		`"typeName":"Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server",`+
		`"typeKey":"UnauthorizedRequestException","errorCode":0,"eventId":3000}`))
}

func (s *Server) adoAPIs() []fakeAPI {
	return []fakeAPI{{"GET /ado/{org}/_apis/connectionData", basicPassword, adoConnectionData, adoRefused}}
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
