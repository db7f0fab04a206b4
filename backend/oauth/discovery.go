package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"patchbay/backend/domain"
)

// Discovery is the part of an OpenID Connect provider's configuration
// (/.well-known/openid-configuration) a connection needs.
type Discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	UserinfoEndpoint      string `json:"userinfo_endpoint"`
}

// Discover reads an issuer's OpenID Connect discovery document. The document
// must name the same issuer (OpenID Connect Discovery 1.0, section 4.3) and
// the authorization and token endpoints.
func Discover(ctx context.Context, client *http.Client, issuer string) (Discovery, error) {
	issuer = strings.TrimRight(strings.TrimSpace(issuer), "/")
	fail := func(format string, args ...any) (Discovery, error) {
		return Discovery{}, domain.FieldError("issuer", "Could not read the OpenID configuration of %s: %s. Check the issuer URL, or leave it empty and enter the authorize, token and userinfo URLs yourself.", issuer, fmt.Sprintf(format, args...))
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, issuer+"/.well-known/openid-configuration", nil)
	if err != nil {
		return fail("%v", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fail("%v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail("it answered HTTP %d", resp.StatusCode)
	}
	var d Discovery
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&d); err != nil {
		return fail("the answer is not a discovery document (%v)", err)
	}
	if strings.TrimRight(d.Issuer, "/") != issuer {
		return fail("it names another issuer (%q)", d.Issuer)
	}
	if d.AuthorizationEndpoint == "" || d.TokenEndpoint == "" {
		return fail("it lists no authorization or token endpoint")
	}
	return d, nil
}
