package fakes_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"patchbay/backend/fakes"
)

// TestGitLabOAuthAsDocumented checks the fake GitLab OAuth 2.0 provider
// against docs.gitlab.com/api/oauth2: the code exchange and refresh answer
// access_token, token_type, expires_in, refresh_token, scope and created_at
// with 64-hex tokens; a refresh must repeat the redirect_uri and
// invalidates the existing access and refresh tokens; errors carry
// Doorkeeper's descriptions; /api/v4/user refuses a revoked or expired
// OAuth token with GitLab's invalid_token messages.
func TestGitLabOAuthAsDocumented(t *testing.T) {
	f := fakes.New()
	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	const redirect = "http://127.0.0.1:8765/callback"
	type tokenAnswer struct {
		AccessToken  string `json:"access_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    *int   `json:"expires_in"`
		RefreshToken string `json:"refresh_token"`
		Scope        string `json:"scope"`
		CreatedAt    *int64 `json:"created_at"`
		Error        string `json:"error"`
		Description  string `json:"error_description"`
	}
	post := func(form url.Values) (int, tokenAnswer) {
		t.Helper()
		resp, err := http.PostForm(srv.URL+"/gitlab/oauth/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a tokenAnswer
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, a
	}
	user := func(tok string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/gitlab/api/v4/user", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header.Get("WWW-Authenticate")
	}
	consent := func() string {
		t.Helper()
		back, err := fakes.ConsentRedirect(srv.URL+"/gitlab/oauth/authorize?"+url.Values{"client_id": {fakes.OAuthClientID}, "redirect_uri": {redirect},
			"response_type": {"code"}, "state": {"s1"}, "scope": {"read_api read_user"}}.Encode(), "approve", nil)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(back)
		if u.Query().Get("state") != "s1" || u.Query().Get("code") == "" {
			t.Fatalf("authorize did not return a code and the state: %s", back)
		}
		return u.Query().Get("code")
	}
	client := url.Values{"client_id": {fakes.OAuthClientID}, "client_secret": {fakes.OAuthClientSecret}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, x := range client {
			v[k] = x
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)

	// The code exchange (docs: "Authorization code with PKCE flow", step 3).
	status, first := post(with("grant_type", "authorization_code", "code", consent(), "redirect_uri", redirect))
	if status != 200 || !hex64.MatchString(first.AccessToken) || !hex64.MatchString(first.RefreshToken) || first.TokenType != "bearer" ||
		first.ExpiresIn == nil || *first.ExpiresIn <= 0 || first.CreatedAt == nil || first.Scope != "read_api read_user" {
		t.Fatalf("code exchange: %d %+v", status, first)
	}
	if status, body, _ := user(first.AccessToken); status != 200 || !strings.Contains(body, `"username":"ops-bot"`) {
		t.Fatalf("/api/v4/user with the OAuth token: %d %s", status, body)
	}

	// A refresh without the redirect_uri: Doorkeeper's invalid_grant.
	status, bad := post(with("grant_type", "refresh_token", "refresh_token", first.RefreshToken))
	if status != 400 || bad.Error != "invalid_grant" || !strings.HasPrefix(bad.Description, "The provided authorization grant is invalid, expired, revoked") {
		t.Fatalf("refresh without redirect_uri: %d %+v", status, bad)
	}
	// With it: new tokens; the old access and refresh tokens are invalidated.
	status, second := post(with("grant_type", "refresh_token", "refresh_token", first.RefreshToken, "redirect_uri", redirect))
	if status != 200 || second.AccessToken == first.AccessToken || second.RefreshToken == first.RefreshToken || second.Scope != "read_api read_user" {
		t.Fatalf("refresh: %d %+v", status, second)
	}
	if status, body, challenge := user(first.AccessToken); status != 401 || !strings.Contains(body, fakes.GitLabTokenRevoked) ||
		!strings.Contains(challenge, `error="invalid_token"`) {
		t.Fatalf("the access token before the refresh: %d %s %q", status, body, challenge)
	}
	if status, _, _ := user(second.AccessToken); status != 200 {
		t.Fatalf("the refreshed access token: %d", status)
	}
	if status, again := post(with("grant_type", "refresh_token", "refresh_token", first.RefreshToken, "redirect_uri", redirect)); status != 400 || again.Error != "invalid_grant" {
		t.Fatalf("the rotated-out refresh token: %d %+v", status, again)
	}

	// A wrong client secret: Doorkeeper's invalid_client, 401.
	if status, a := post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second.RefreshToken}, "redirect_uri": {redirect},
		"client_id": {fakes.OAuthClientID}, "client_secret": {"wrong"}}); status != 401 || a.Error != "invalid_client" || !strings.HasPrefix(a.Description, "Client authentication failed") {
		t.Fatalf("wrong secret: %d %+v", status, a)
	}
	// An unknown application: Doorkeeper's error page, no redirect.
	resp, err := http.Get(srv.URL + "/gitlab/oauth/authorize?client_id=nope&response_type=code&redirect_uri=" + url.QueryEscape(redirect))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(page), "Client authentication failed") {
		t.Fatalf("unknown client_id: %d %s", resp.StatusCode, page)
	}

	// An expired access token: GitLab's "Token is expired" answer.
	f.OAuth.AccessTTL = -time.Second
	_, expired := post(with("grant_type", "authorization_code", "code", consent(), "redirect_uri", redirect))
	if status, body, _ := user(expired.AccessToken); status != 401 || !strings.Contains(body, fakes.GitLabTokenExpired) {
		t.Fatalf("an expired access token: %d %s", status, body)
	}
	// The user revokes the application: every token of it is refused.
	f.OAuth.AccessTTL = time.Hour
	_, live := post(with("grant_type", "authorization_code", "code", consent(), "redirect_uri", redirect))
	f.OAuth.RevokeAll()
	if status, body, _ := user(live.AccessToken); status != 401 || !strings.Contains(body, fakes.GitLabTokenRevoked) {
		t.Fatalf("a revoked grant's access token: %d %s", status, body)
	}
}
