package oauth_test

import (
	"context"
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
		{"nothing listening", "http://127.0.0.1:1", "Check the issuer URL"},
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
