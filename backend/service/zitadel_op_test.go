package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Clients registered with the zitadel OP (a second one for "Reauthorize with
// new credentials").
const (
	zitadelClientID      = "patchbay-conformance"
	zitadelClientSecret  = "zitadel-client-secret-4b1d"
	zitadelClient2ID     = "patchbay-conformance-2"
	zitadelClient2Secret = "zitadel-client-secret-77c2"
	zitadelPassword      = "verysecure-4711"
)

// zitadelOP is an OpenID Provider built on github.com/zitadel/oidc/v3 pkg/op
// (an independent implementation, not Patchbay's fakes), shaped like the
// provider of issue 12: issuer http://127.0.0.1:PORT/o, token, userinfo,
// revocation and introspection endpoints ending in a slash, and a user
// whose userinfo (scopes openid offline_access) is only {"sub": "1"}.
type zitadelOP struct {
	srv       *httptest.Server
	issuer    string
	refreshes atomic.Int32 // refresh_token grants that reached the token endpoint
	// hide lists metadata entries the discovery document leaves out (a
	// server without userinfo, or without introspection either).
	hide []string
}

// oneUser is the OP's user store: user "1", known as "ada".
type oneUser struct{}

func (oneUser) GetUserByID(id string) *storage.User {
	if id != "1" {
		return nil
	}
	return &storage.User{ID: "1", Username: "ada", Password: zitadelPassword, FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", EmailVerified: true}
}

func (u oneUser) GetUserByUsername(name string) *storage.User {
	if name == "ada" {
		return u.GetUserByID("1")
	}
	return nil
}

func (oneUser) ExampleClientID() string { return storage.ServiceUserID }

// loopbackStorage is the example storage whose clients accept Patchbay's
// RFC 8252 loopback redirect on any port (op.HasRedirectGlobs).
type loopbackStorage struct{ *storage.Storage }

type loopbackClient struct{ op.Client }

func (loopbackClient) RedirectURIGlobs() []string           { return []string{"http://127.0.0.1:*/callback"} }
func (loopbackClient) PostLogoutRedirectURIGlobs() []string { return nil }

func (s loopbackStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return loopbackClient{c}, nil
}

func newZitadelOP(t *testing.T, hide ...string) *zitadelOP {
	t.Helper()
	z := &zitadelOP{hide: hide}
	var handler http.Handler
	z.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/o/token/" {
			body, _ := io.ReadAll(r.Body)
			if form, err := url.ParseQuery(string(body)); err == nil && form.Get("grant_type") == "refresh_token" {
				z.refreshes.Add(1)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if r.URL.Path == "/o/.well-known/openid-configuration" && len(z.hide) > 0 {
			rec := httptest.NewRecorder()
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/.well-known/openid-configuration"
			handler.ServeHTTP(rec, r2)
			var doc map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			for _, k := range z.hide {
				delete(doc, k)
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(doc)
			return
		}
		// The OP answers under the issuer's path /o; its login UI (and
		// the callback it redirects to) lives at the root.
		if rest, ok := strings.CutPrefix(r.URL.Path, "/o/"); ok {
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = "/"+rest, ""
			r = r2
		}
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(z.srv.Close)
	z.issuer = z.srv.URL + "/o"
	clients := map[string]*storage.Client{
		zitadelClientID:  storage.WebClient(zitadelClientID, zitadelClientSecret, "http://127.0.0.1/callback"),
		zitadelClient2ID: storage.WebClient(zitadelClient2ID, zitadelClient2Secret, "http://127.0.0.1/callback"),
	}
	st := loopbackStorage{storage.NewStorageWithClients(oneUser{}, clients)}
	handler = exampleop.SetupServer(z.issuer, st, nil, false,
		op.WithCustomAuthEndpoint(op.NewEndpoint("authorize")),
		op.WithCustomTokenEndpoint(op.NewEndpoint("token/")),
		op.WithCustomUserinfoEndpoint(op.NewEndpoint("userinfo/")),
		op.WithCustomRevocationEndpoint(op.NewEndpoint("revoke/")),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint("introspect/")),
		op.WithCustomKeysEndpoint(op.NewEndpoint("keys/")),
	)
	return z
}

// login plays the user's browser: the authorize URL leads to the OP's login
// page, the user signs in, the OP redirects to Patchbay's callback; it
// returns the status and text of the page the browser ends on.
func (z *zitadelOP) login(t *testing.T, authURL string) (int, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := resp.Request.URL.Query().Get("authRequestID")
	if resp.StatusCode != 200 || id == "" {
		t.Fatalf("no login page: %d %s %s", resp.StatusCode, resp.Request.URL, page)
	}
	resp, err = client.PostForm(z.srv.URL+"/login/username", url.Values{"id": {id}, "username": {"ada"}, "password": {zitadelPassword}})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	defer resp.Body.Close()
	page, _ = io.ReadAll(resp.Body)
	return resp.StatusCode, string(page)
}

// revoke revokes a token at the OP (RFC 7009), as a user removing the app's
// access would.
func (z *zitadelOP) revoke(t *testing.T, token string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, z.issuer+"/revoke/", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(zitadelClientID, zitadelClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke at the OP: %v %v", resp, err)
	}
	resp.Body.Close()
}

// active asks the OP's introspection endpoint (RFC 7662) about a token.
func (z *zitadelOP) active(t *testing.T, token, clientID, secret string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, z.issuer+"/introspect/", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("introspection: %d %s", resp.StatusCode, body)
	}
	return strings.Contains(string(body), `"active":true`)
}
