package oauth_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"patchbay/backend/oauth"
	"patchbay/backend/secrets"
)

// TestTokenRequestsDoNotFollowRedirects (SECURITY.md item 14): a token or
// revocation endpoint that answers 307 (RFC 9110 section 15.4.8: the client
// repeats the request, body included, at the new address) does not get the
// code, the refresh token or the client secret sent on to another host; the
// request fails instead. Without this, all three requests below succeed at
// the other host.
func TestTokenRequestsDoNotFollowRedirects(t *testing.T) {
	var mu sync.Mutex
	var leaked []string
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		leaked = append(leaked, r.Method+" "+r.URL.Path+" "+string(b)+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"at-elsewhere","token_type":"Bearer","refresh_token":"rt-elsewhere","expires_in":3600}`)
	}))
	defer elsewhere.Close()
	moved := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer moved.Close()
	_, _, cfg := fakeServer(t)
	cfg.Endpoint.TokenURL = moved.URL + "/token"
	ctx := context.Background()

	c, err := oauth.StartConsent(*cfg, oauth.ConsentOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	browse(t, c.AuthURL, "approve", nil)
	if tok, err := c.Wait(ctx); err == nil {
		t.Errorf("the code exchange followed the redirect: %+v", tok)
	} else if !strings.Contains(err.Error(), "redirected to "+elsewhere.URL+"/token") {
		t.Errorf("code exchange: %v, want a message naming the redirect", err)
	}

	store := oauth.SecretTokens{Secrets: secrets.NewMemory()}
	if err := store.SaveToken(ctx, "k", &oauth2.Token{AccessToken: "at-old", RefreshToken: "rt-old", Expiry: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	r := &oauth.Refresher{Store: store, LockDir: t.TempDir(), MaxElapsed: time.Second}
	if tok, err := r.Token(ctx, "k", cfg); err == nil {
		t.Errorf("the refresh followed the redirect: %+v", tok)
	} else if !strings.Contains(err.Error(), "redirected to "+elsewhere.URL+"/token") {
		t.Errorf("refresh: %v, want a message naming the redirect", err)
	}

	if err := oauth.Revoke(ctx, nil, moved.URL+"/revoke", cfg, "rt-old", "refresh_token"); err == nil {
		t.Error("the revocation followed the redirect")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) != 0 {
		t.Fatalf("the other host received %q", leaked)
	}
}
