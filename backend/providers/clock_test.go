package providers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/backend/fakes"
	"patchbay/backend/providers"
)

// TestValidatorFollowsItsClock: a check's time and an OAuth 1.0a signature's
// timestamp come from Validator.Now, on dates far from the wall clock.
func TestValidatorFollowsItsClock(t *testing.T) {
	cat, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cat.Provider("jira_dc")
	m, ok := p.Mode("oauth1")
	if !ok {
		t.Fatal("jira_dc has no oauth1 mode")
	}
	for _, date := range []time.Time{
		time.Date(2031, 6, 1, 9, 15, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 23, 30, 0, 0, time.UTC),
	} {
		t.Run(date.Format(time.RFC3339), func(t *testing.T) {
			var mu sync.Mutex
			var auth string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				auth = r.Header.Get("Authorization")
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"emailAddress":"ops@example.com"}`))
			}))
			defer srv.Close()
			v := providers.NewValidator()
			v.Now = func() time.Time { return date }
			res := v.Validate(context.Background(), providers.Target{Provider: p, Mode: m, BaseURL: srv.URL,
				Values: map[string]string{"consumerKey": fakes.OAuth1ConsumerKey, "privateKey": fakes.OAuth1PrivateKeyPEM(), "oauth1Token": "tok"}})
			if !res.OK() || !res.CheckedAt.Equal(date) {
				t.Fatalf("check %+v, want ok at %s", res, date)
			}
			mu.Lock()
			defer mu.Unlock()
			if want := `oauth_timestamp="` + strconv.FormatInt(date.Unix(), 10) + `"`; !strings.Contains(auth, want) {
				t.Fatalf("signature %q does not carry %s", auth, want)
			}
		})
	}
}
