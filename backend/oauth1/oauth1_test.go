package oauth1_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"patchbay/backend/fakes"
	"patchbay/backend/oauth1"
)

// The signature base string example of RFC 5849 section 3.4.1.1 (its form
// body parameters moved into the query, which normalizes the same way).
func TestBaseStringMatchesRFC5849(t *testing.T) {
	u, _ := url.Parse("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b&c2=&a3=2+q")
	got := oauth1.BaseString("post", u, map[string]string{
		"oauth_consumer_key": "9djdj82h48djs9d2", "oauth_token": "kkk9d7dh3k39sjv7", "oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp": "137131201", "oauth_nonce": "7d8f3e4a", "oauth_signature": "ignored",
	})
	want := "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
	if got != want {
		t.Fatalf("base string\n got %s\nwant %s", got, want)
	}
}

func TestParsePrivateKey(t *testing.T) {
	if _, err := oauth1.ParsePrivateKey(fakes.OAuth1PrivateKeyPEM()); err != nil {
		t.Fatalf("PKCS #8 key: %v", err)
	}
	for _, bad := range []string{"", "not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"} {
		if _, err := oauth1.ParsePrivateKey(bad); err == nil || !strings.Contains(err.Error(), "RSA private key") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestFlowAgainstTheFakeApplicationLink(t *testing.T) {
	srv := httptest.NewServer(fakes.New().Handler())
	defer srv.Close()
	base := srv.URL + "/jiradc/plugins/servlet/oauth"
	e := oauth1.Endpoints{RequestToken: base + "/request-token", Authorize: base + "/authorize", AccessToken: base + "/access-token"}
	c := oauth1.Client{Consumer: oauth1.Consumer{Key: fakes.OAuth1ConsumerKey, PrivateKey: fakes.OAuth1PrivateKey()}}
	ctx := context.Background()

	// Another consumer's key is refused.
	stranger := c
	stranger.Consumer.Key = "someone-else"
	if _, _, err := stranger.RequestToken(ctx, e); err == nil || !strings.Contains(err.Error(), "consumer_key_unknown") {
		t.Fatalf("unknown consumer: %v", err)
	}

	req, _, err := c.RequestToken(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.AccessToken(ctx, e, req, "wrong-code"); err == nil || !strings.Contains(err.Error(), "permission_unknown") {
		t.Fatalf("exchange before allowing: %v", err)
	}
	code, err := fakes.AllowOAuth1(oauth1.AuthorizeURL(e, req))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.AccessToken(ctx, e, req, "wrong-code"); err == nil {
		t.Fatal("a wrong verification code was accepted")
	}
	access, _, err := c.AccessToken(ctx, e, req, " "+code+"\n")
	if err != nil || access == "" {
		t.Fatalf("access token %q: %v", access, err)
	}
	if _, _, err := c.AccessToken(ctx, e, req, code); err == nil || !strings.Contains(err.Error(), "token_rejected") {
		t.Fatalf("a request token was used twice: %v", err)
	}

	// A signed API call works; a tampered one does not.
	get := func(token string, tamper bool) int {
		u, _ := url.Parse(srv.URL + "/jiradc/rest/api/2/myself?expand=groups")
		auth, err := c.Consumer.Authorization(http.MethodGet, u, map[string]string{"oauth_token": token}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if tamper {
			u.RawQuery = "expand=applicationRoles"
		}
		r, _ := http.NewRequest(http.MethodGet, u.String(), nil)
		r.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(access, false); got != 200 {
		t.Fatalf("signed call: %d", got)
	}
	if got := get(access, true); got != 401 {
		t.Fatalf("a request changed after signing: %d", got)
	}
	if got := get("acc-unknown", false); got != 401 {
		t.Fatalf("unknown access token: %d", got)
	}
}
