package oauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"golang.org/x/oauth2"
)

// FuzzCallbackQuery: the OAuth callback handles any query (forged or
// matching state, error, code, repeated parameters) without a panic,
// answers 200, 303 or 400, and accepts the provider's redirect at most once.
// The token endpoint answers RFC 6749 §5.2 invalid_grant.
func FuzzCallbackQuery(f *testing.F) {
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"The authorization code is invalid."}`))
	}))
	f.Cleanup(tokenSrv.Close)
	for _, q := range []string{"", "state=x&code=y", "code=abc", "error=access_denied", "error=server_error&error_description=%3Cb%3E", "state=&state=x", "%zz", "code=a&code=b"} {
		f.Add(q, true)
		f.Add(q, false)
	}
	f.Fuzz(func(t *testing.T, rawQuery string, withState bool) {
		cfg := oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{AuthURL: tokenSrv.URL + "/authorize", TokenURL: tokenSrv.URL + "/token"}}
		c, err := StartConsent(cfg, ConsentOptions{Handoff: true, RedirectURL: "https://portal.test/portal/oauth/callback", PKCE: true})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Cancel()
		q := rawQuery
		if withState {
			v, _ := url.ParseQuery(rawQuery)
			if v == nil {
				v = url.Values{}
			}
			v.Set("state", c.State())
			q = v.Encode()
		}
		accepted := 0
		for range 2 {
			r := httptest.NewRequest("GET", "https://portal.test/portal/oauth/callback", nil)
			r.URL.RawQuery = q
			w := httptest.NewRecorder()
			c.Callback(w, r)
			switch w.Code {
			case 200, 303:
				accepted++
			case 400:
			default:
				t.Fatalf("query %q: status %d", q, w.Code)
			}
		}
		if accepted > 1 {
			t.Fatalf("query %q was accepted twice", q)
		}
	})
}
