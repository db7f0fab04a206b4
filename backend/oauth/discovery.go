package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/providers"
)

// Discovery is the part of an authorization server's metadata a connection
// needs: OpenID Connect Discovery 1.0 or RFC 8414.
type Discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	UserinfoEndpoint      string `json:"userinfo_endpoint"`
	// RevocationEndpoint (RFC 7009) and IntrospectionEndpoint (RFC 7662)
	// are optional; JWKSURI verifies ID tokens.
	RevocationEndpoint    string `json:"revocation_endpoint"`
	IntrospectionEndpoint string `json:"introspection_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
	// TokenEndpointAuthMethods are the client authentications the token
	// endpoint takes (RFC 8414 section 2; absent means client_secret_basic).
	TokenEndpointAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	// Source is the document's URL (which of the well-known locations answered).
	Source string `json:"-"`
}

// discoveryURLs lists where an issuer's metadata may live, in the order
// they are tried: OpenID Connect Discovery 1.0 section 4 (appended), its
// trailing-slash variant, then RFC 8414 section 3 (inserted between host and
// path) and the appended form many servers also serve.
func discoveryURLs(issuer string) []string {
	base := strings.TrimRight(issuer, "/")
	out := []string{base + "/.well-known/openid-configuration", base + "/.well-known/openid-configuration/"}
	if u, err := url.Parse(base); err == nil && u.Path != "" && u.Path != "/" {
		out = append(out, u.Scheme+"://"+u.Host+"/.well-known/oauth-authorization-server"+u.Path)
	}
	return append(out, base+"/.well-known/oauth-authorization-server")
}

// Discover reads an issuer's metadata: OpenID Connect discovery first, then
// RFC 8414 authorization server metadata, each also at its trailing-slash
// variant. The document must name the same issuer (OpenID Connect Discovery
// 1.0 section 4.3, RFC 8414 section 3.3; a trailing slash aside) and the
// authorization and token endpoints. The issuer and every endpoint it
// lists must be https, or http only on a loopback address.
func Discover(ctx context.Context, client *http.Client, issuer string) (Discovery, error) {
	issuer = strings.TrimSpace(issuer)
	fail := func(format string, args ...any) (Discovery, error) {
		return Discovery{}, domain.FieldError("issuer", "Could not read the OpenID configuration of %s: %s. Check the issuer URL, or leave it empty and enter the authorize, token and userinfo URLs yourself.", issuer, fmt.Sprintf(format, args...))
	}
	if _, err := providers.CheckEndpointURL("issuer", issuer); err != nil {
		return Discovery{}, err
	}
	// The document says where the client secret goes: not over plain http
	// from another host.
	if u, _ := url.Parse(issuer); u.Scheme == "http" && !providers.IsLoopback(u.Hostname()) {
		return fail("Patchbay reads it only over https (http only on this computer)")
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	var firstErr string
	for _, u := range discoveryURLs(issuer) {
		d, status, err := fetchMetadata(ctx, client, u)
		switch {
		case err != nil && status == 0 && firstErr == "":
			// No answer at all (refused, DNS): the other URLs are on the same host.
			return fail("%v", err)
		case err != nil:
			if firstErr == "" || strings.HasPrefix(firstErr, "it answered HTTP") && status == http.StatusOK {
				firstErr = err.Error()
			}
			continue
		}
		if strings.TrimRight(d.Issuer, "/") != strings.TrimRight(issuer, "/") {
			// A document for another issuer is a hard stop (mix-up defence).
			return fail("it names another issuer (%q)", d.Issuer)
		}
		if d.AuthorizationEndpoint == "" || d.TokenEndpoint == "" {
			return fail("it lists no authorization or token endpoint")
		}
		for _, e := range []struct {
			field string
			v     *string
		}{{"authorizeUrl", &d.AuthorizationEndpoint}, {"tokenUrl", &d.TokenEndpoint}, {"userinfoUrl", &d.UserinfoEndpoint},
			{"revocationUrl", &d.RevocationEndpoint}, {"introspectionUrl", &d.IntrospectionEndpoint}, {"jwksUrl", &d.JWKSURI}} {
			if *e.v == "" {
				continue
			}
			s, err := providers.CheckDiscoveredURL(e.field, *e.v)
			if err != nil {
				return Discovery{}, domain.FieldError("issuer", "%s", domain.Public(err).Message)
			}
			*e.v = s
		}
		d.Source = u
		return d, nil
	}
	return fail("%s", firstErr)
}

// fetchMetadata GETs one metadata URL; status is 0 when nothing answered.
func fetchMetadata(ctx context.Context, client *http.Client, u string) (Discovery, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Discovery{}, 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return Discovery{}, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Discovery{}, resp.StatusCode, fmt.Errorf("it answered HTTP %d", resp.StatusCode)
	}
	var d Discovery
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&d); err != nil {
		return Discovery{}, resp.StatusCode, fmt.Errorf("the answer is not a discovery document (%v)", err)
	}
	return d, resp.StatusCode, nil
}
