package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"patchbay/backend/domain"
	"patchbay/backend/idtoken"
)

// sharedIDKeys caches JWKS for validators made without NewValidator.
var sharedIDKeys = &idtoken.Keys{}

func (v *Validator) idKeys() *idtoken.Keys {
	if v.jwks == nil {
		return sharedIDKeys
	}
	return v.jwks
}

// oidcFallbackIdentity lists the claims an identity is read from, in order.
var oidcFallbackIdentity = []string{"email", "preferred_username", "username", "name", "sub"}

// validateWithoutUserinfo validates a Generic OpenID connection whose server
// has no userinfo endpoint: with token introspection (RFC 7662) when the
// server offers it, else with the ID token that came with the access token
// (its signature checked against the issuer's JWKS, cached, its issuer and
// audience; backend/idtoken).
func (v *Validator) validateWithoutUserinfo(ctx context.Context, t Target) domain.CheckResult {
	ctx, cancel := context.WithTimeout(ctx, v.Timeout)
	defer cancel()
	if u := strings.TrimSpace(t.Values["introspectionUrl"]); u != "" {
		return v.introspect(ctx, t, u)
	}
	raw := t.Values["idToken"]
	if raw == "" {
		return domain.CheckResult{Class: domain.ClassMisconfigured, Message: "The server has no userinfo or introspection endpoint and sent no ID token, so Patchbay cannot tell whose access it holds. Add the openid scope, or enter a userinfo URL."}
	}
	issuer, jwks := strings.TrimSpace(t.Values["issuer"]), strings.TrimSpace(t.Values["jwksUrl"])
	if issuer == "" || jwks == "" {
		return domain.CheckResult{Class: domain.ClassMisconfigured, Message: "Checking the ID token needs the issuer and its JWKS: enter the OpenID Connect issuer, or a userinfo URL."}
	}
	// The access token's own freshness is the refresher's business; the ID
	// token proves who granted it (signature, issuer, audience), so its own
	// exp (often an hour) is not checked: it would fail every check an hour
	// after the last refresh that brought no new ID token.
	claims, err := idtoken.Verify(ctx, v.idKeys(), jwks, raw, idtoken.Config{Issuer: issuer, ClientID: t.Values["clientId"],
		SkipTimeChecks: true, Now: v.now, Client: v.Client})
	if err != nil {
		var fe *idtoken.FetchError
		switch {
		case ctx.Err() != nil:
			return classifyTransport(ctx.Err(), v.Timeout)
		case errors.As(err, &fe) && fe.Status == 0:
			res := classifyTransport(fe.Err, v.Timeout)
			res.Message = "Fetching the issuer's signing keys (JWKS) failed. " + res.Message
			return res
		case errors.As(err, &fe) && fe.Status >= 500:
			return domain.CheckResult{Class: domain.ClassProviderDown, HTTPStatus: fe.Status, Message: fmt.Sprintf("The issuer's signing keys (JWKS at %s) are unavailable (HTTP %d). Patchbay will check again.", fe.URL, fe.Status)}
		case errors.As(err, &fe):
			return domain.CheckResult{Class: domain.ClassMisconfigured, Message: fmt.Sprintf("%v. Check the OpenID Connect issuer, or enter a userinfo URL.", err)}
		}
		return domain.CheckResult{Class: domain.ClassInvalidCredentials, Message: fmt.Sprintf("The ID token did not verify (%v). Reconnect to get a new one.", err)}
	}
	return domain.CheckResult{Class: domain.ClassOK, HTTPStatus: http.StatusOK, Identity: claimIdentity(claims), Message: "Connection validated (ID token verified)."}
}

// introspect asks the server whether the access token is active (RFC 7662
// section 2), authenticated as the OAuth client.
func (v *Validator) introspect(ctx context.Context, t Target, endpoint string) domain.CheckResult {
	if _, err := CheckEndpointURL("introspectionUrl", endpoint); err != nil {
		return domain.CheckResult{Class: domain.ClassMisconfigured, Message: domain.Public(err).Message}
	}
	form := url.Values{"token": {t.Values["accessToken"]}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return domain.CheckResult{Class: domain.ClassMisconfigured, Message: fmt.Sprintf("Cannot build the request: %v.", err)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Patchbay")
	req.SetBasicAuth(url.QueryEscape(t.Values["clientId"]), url.QueryEscape(t.Values["clientSecret"]))
	resp, err := v.Client.Do(req)
	if err != nil {
		return classifyTransport(err, v.Timeout)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return classifyTransport(err, v.Timeout)
	}
	if resp.StatusCode != http.StatusOK {
		res := Classify(resp, body, ValidateSpec{}, v.now())
		res.Message = "The introspection endpoint refused the request: " + res.Message
		if resp.StatusCode == http.StatusUnauthorized {
			res.Class = domain.ClassInvalidCredentials
			res.HTTPStatus = 0 // the client was refused, not the token: no renew
			res.Message = "The introspection endpoint rejected the OAuth client (HTTP 401). Check the client ID and secret, then reauthorize with new credentials."
		}
		return res
	}
	var claims map[string]any
	if err := json.Unmarshal(body, &claims); err != nil {
		return domain.CheckResult{Class: domain.ClassMisconfigured, HTTPStatus: resp.StatusCode, Message: "The introspection endpoint did not answer with JSON."}
	}
	if active, _ := claims["active"].(bool); !active {
		// Reported like a refused token (401): it may just have been
		// replaced by a rotation; the check renews and retries once.
		return domain.CheckResult{Class: domain.ClassInvalidCredentials, HTTPStatus: http.StatusUnauthorized,
			Message: "The provider's introspection says the access token is not active (expired or revoked)."}
	}
	return domain.CheckResult{Class: domain.ClassOK, HTTPStatus: resp.StatusCode, Identity: claimIdentity(claims), Message: "Connection validated (token introspection)."}
}

// claimIdentity reads the account from token claims.
func claimIdentity(claims map[string]any) string {
	for _, k := range oidcFallbackIdentity {
		if s, ok := claims[k].(string); ok && strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
