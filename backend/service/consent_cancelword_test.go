package service_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/secrets"
)

// A provider's refusal whose description happens to say "cancelled" is a
// failed consent with the provider's words, not a consent the user
// cancelled in Patchbay (the state used to come from searching the error
// text for "cancelled"). The callback is RFC 6749 section 4.1.2.1's error
// response: error and error_description on the redirect URI with the state.
func TestProviderErrorSayingCancelledIsAFailure(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	st, err := e.svc.StartConsent(context.Background(), e.oauthDraft())
	if err != nil {
		t.Fatal(err)
	}
	auth, err := url.Parse(st.AuthURL)
	if err != nil {
		t.Fatal(err)
	}
	q := auth.Query()
	cb := q.Get("redirect_uri") + "?" + url.Values{"state": {q.Get("state")}, "error": {"server_error"},
		"error_description": {"The request was cancelled by an upstream policy"}}.Encode()
	resp, err := http.Get(cb)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := waitConsent(t, e, st.ID)
	if got.State != domain.ConsentFailed || !strings.Contains(got.Message, "server_error") {
		t.Fatalf("consent %+v, want failed with the provider's error", got)
	}
}
