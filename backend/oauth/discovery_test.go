package oauth_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"patchbay/backend/fakes"
	"patchbay/backend/oauth"
)

func TestDiscover(t *testing.T) {
	f := fakes.New()
	good := httptest.NewServer(f.Handler())
	defer good.Close()
	var odd *httptest.Server
	odd = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/other/.well-known/openid-configuration":
			_, _ = w.Write([]byte(`{"issuer":"https://evil.example.com","authorization_endpoint":"a","token_endpoint":"t"}`))
		case "/html/.well-known/openid-configuration":
			_, _ = w.Write([]byte(`<html>sign in</html>`))
		case "/.well-known/oauth-authorization-server/as8414":
			// RFC 8414 section 3: the well-known part inserted between host and path; no OIDC document.
			_, _ = w.Write([]byte(`{"issuer":"` + odd.URL + `/as8414","authorization_endpoint":"` + odd.URL + `/as8414/authorize/","token_endpoint":"` + odd.URL + `/as8414/token/","revocation_endpoint":"` + odd.URL + `/as8414/revoke/"}`))
		case "/slash/.well-known/openid-configuration/":
			// Only the trailing-slash variant is routed (Django-style URLconf).
			_, _ = w.Write([]byte(`{"issuer":"` + odd.URL + `/slash/","authorization_endpoint":"` + odd.URL + `/slash/authorize/","token_endpoint":"` + odd.URL + `/slash/token/","userinfo_endpoint":"` + odd.URL + `/slash/userinfo/"}`))
		case "/plainhttp/.well-known/openid-configuration":
			_, _ = w.Write([]byte(`{"issuer":"` + odd.URL + `/plainhttp","authorization_endpoint":"` + odd.URL + `/a","token_endpoint":"http://id.example.com/token"}`))
		case "/scheme/.well-known/openid-configuration":
			_, _ = w.Write([]byte(`{"issuer":"` + odd.URL + `/scheme","authorization_endpoint":"javascript:alert(1)","token_endpoint":"` + odd.URL + `/t"}`))
		case "/mitm/.well-known/openid-configuration":
			// What a machine on the path of a plain-http issuer could answer.
			_, _ = w.Write([]byte(`{"issuer":"http://id.example.com/mitm","authorization_endpoint":"https://attacker.example/authorize","token_endpoint":"https://attacker.example/token"}`))
		case "/partial/.well-known/openid-configuration":
			_, _ = w.Write([]byte(`{"issuer":"` + odd.URL + `/partial"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer odd.Close()
	tests := []struct {
		name, issuer, wantErr string
	}{
		{"the fake identity provider", good.URL + "/oauth", ""},
		{"a trailing slash is the same issuer", good.URL + "/oauth/", ""},
		{"no document", odd.URL + "/missing", "HTTP 404"},
		{"another issuer", odd.URL + "/other", "names another issuer"},
		{"not JSON", odd.URL + "/html", "not a discovery document"},
		{"no endpoints", odd.URL + "/partial", "no authorization or token endpoint"},
		{"plain http on another host is refused", odd.URL + "/plainhttp", "plain-http"},
		{"a non-web scheme is refused", odd.URL + "/scheme", "not supported"},
		{"nothing listening", "http://127.0.0.1:1", "Check the issuer URL"},
	}
	// Fallbacks: RFC 8414 metadata, and the trailing-slash variant; the
	// endpoints are kept exactly as listed (trailing slashes included).
	d, err := oauth.Discover(context.Background(), nil, odd.URL+"/as8414")
	if err != nil || d.TokenEndpoint != odd.URL+"/as8414/token/" || d.RevocationEndpoint != odd.URL+"/as8414/revoke/" || d.TokenEndpointAuthMethods != nil {
		t.Fatalf("RFC 8414: %+v %v", d, err)
	}
	// token_endpoint_auth_methods_supported is read (the fake lists only the body).
	if d, err := oauth.Discover(context.Background(), nil, good.URL+"/oauth"); err != nil || strings.Join(d.TokenEndpointAuthMethods, ",") != "client_secret_post" {
		t.Fatalf("the fake's client authentications: %+v %v", d.TokenEndpointAuthMethods, err)
	}
	d, err = oauth.Discover(context.Background(), nil, odd.URL+"/slash/")
	if err != nil || d.UserinfoEndpoint != odd.URL+"/slash/userinfo/" {
		t.Fatalf("trailing-slash variant: %+v %v", d, err)
	}
	// SECURITY.md item 6: the document says where the client secret goes,
	// so it is never read over plain http from another host (here every
	// host dials the odd server, which answers as a machine on the path).
	toOdd := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, odd.Listener.Addr().String())
	}}}
	if d, err := oauth.Discover(context.Background(), toOdd, "http://id.example.com/mitm"); err == nil || !strings.Contains(err.Error(), "only over https") {
		t.Fatalf("a plain-http issuer on another host: %+v %v", d, err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := oauth.Discover(context.Background(), nil, tt.issuer)
			if tt.wantErr == "" {
				if err != nil || d.AuthorizationEndpoint != good.URL+"/oauth/authorize" || d.TokenEndpoint != good.URL+"/oauth/token" || d.UserinfoEndpoint != good.URL+"/oauth/userinfo" {
					t.Fatalf("discovery %+v %v", d, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
		})
	}
}
