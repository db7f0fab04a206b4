package oauth

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"patchbay/backend/domain"
)

// Revoke asks an authorization server to revoke a token (RFC 7009 section
// 2.1): a form POST of token and token_type_hint ("refresh_token" or
// "access_token"), authenticated with the client's credentials, HTTP Basic
// first (RFC 6749 section 2.3.1) and in the body if the server refuses that
// with invalid_client. HTTP 200 means the token is revoked or was already
// invalid (section 2.2). A refusal is a *domain.Error whose message says
// what the server answered.
func Revoke(ctx context.Context, client *http.Client, endpoint string, cfg *oauth2.Config, token, hint string) error {
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second, CheckRedirect: noRedirect}
	}
	try := func(basic bool) (int, string, error) {
		form := url.Values{"token": {token}}
		if hint != "" {
			form.Set("token_type_hint", hint)
		}
		if !basic {
			form.Set("client_id", cfg.ClientID)
			form.Set("client_secret", cfg.ClientSecret)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		if basic {
			req.SetBasicAuth(url.QueryEscape(cfg.ClientID), url.QueryEscape(cfg.ClientSecret))
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return resp.StatusCode, string(body), nil
	}
	status, body, err := try(true)
	if err == nil && (status == http.StatusUnauthorized || status == http.StatusBadRequest && strings.Contains(body, "invalid_client")) {
		status, body, err = try(false)
	}
	switch {
	case err != nil:
		return domain.Errorf(domain.EUnavailable, "The provider's revocation endpoint could not be reached (%v).", err)
	case status == http.StatusOK:
		return nil
	case status == http.StatusServiceUnavailable || status >= 500 || status == http.StatusTooManyRequests:
		return domain.Errorf(domain.EUnavailable, "The provider's revocation endpoint did not revoke the token (HTTP %d, it is unavailable).", status)
	default:
		return domain.Errorf(domain.EValidation, "The provider refused to revoke the token (HTTP %d%s).", status, oauthErrorCode(body))
	}
}

// oauthErrorCode renders the error field of an RFC 6749 error body.
func oauthErrorCode(body string) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
		return ""
	}
	return ", " + e.Error
}
