package httpapi_test

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
)

// TestSecReconnectTwiceOnPinnedPort (security audit, item 8): with a pinned
// loopback redirect port and no public base URL, a client's second
// Reconnect click while the first consent is still pending cancels the
// first consent, whose listener closes before the second one listens on the
// same port; the second consent completes. The operator's second
// Reauthorize does the same. The provider is the fakes OAuth server.
func TestSecReconnectTwiceOnPinnedPort(t *testing.T) {
	w := newPortalWorld(t)
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	ws, err := w.svc.ListWorkspaces(ctx)
	if err != nil || len(ws) == 0 {
		t.Fatalf("list workspaces: %v %v", ws, err)
	}
	st, err := w.svc.StartConsent(ctx, domain.ConnectionDraft{Provider: "generic_oauth2", AuthMode: "oauth2", Label: "Pinned CRM", WorkspaceIDs: []string{ws[0].ID},
		Config: map[string]string{"authorizeUrl": w.fakeURL + "/oauth/authorize", "tokenUrl": w.fakeURL + "/oauth/token",
			"userinfoUrl": w.fakeURL + "/oauth/userinfo", "clientId": fakes.OAuthClientID, "redirectPort": port},
		Secrets: map[string]string{"clientSecret": fakes.OAuthClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	ended := func(id string) domain.ConsentStatus {
		t.Helper()
		var st domain.ConsentStatus
		waitFor(t, 60*time.Second, "consent "+id+" to end", func() bool {
			st, err = w.svc.GetConsent(ctx, id)
			return err != nil || st.State != domain.ConsentPending
		})
		return st
	}
	if _, _, err := fakes.Browse(st.AuthURL, "approve", nil); err != nil {
		t.Fatal(err)
	}
	conn := ended(st.ID).ConnectionID
	if conn == "" {
		t.Fatalf("the pinned connection was not created: %+v", st)
	}
	if _, err := w.svc.SetConnectionOwner(ctx, conn, w.clientA); err != nil {
		t.Fatal(err)
	}
	req, err := w.svc.CreateReconnectRequest(ctx, conn, w.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	a := w.browser(t)
	a.open(req.URL)
	reconnect := func() (string, string) {
		t.Helper()
		status, body := a.do("POST", "/portal/api/connections/"+conn+"/reconnect")
		var rc struct{ ConsentID, AuthURL string }
		_ = json.Unmarshal([]byte(body), &rc)
		if status != 200 || rc.ConsentID == "" {
			t.Fatalf("reconnect: %d %s", status, body)
		}
		return rc.ConsentID, rc.AuthURL
	}
	first, _ := reconnect()
	second, authURL := reconnect()
	if st := ended(first); st.State != domain.ConsentCancelled {
		t.Errorf("the first consent is %s, want cancelled", st.State)
	}
	if _, _, err := fakes.Browse(authURL, "approve", nil); err != nil {
		t.Fatal(err)
	}
	if st := ended(second); st.State != domain.ConsentDone || st.ConnectionID != conn {
		t.Errorf("the second consent: %+v", st)
	}

	// The operator's Reauthorize, twice.
	op1, err := w.svc.ReauthorizeConnection(ctx, conn, domain.ReauthorizeDraft{})
	if err != nil {
		t.Fatal(err)
	}
	op2, err := w.svc.ReauthorizeConnection(ctx, conn, domain.ReauthorizeDraft{})
	if err != nil {
		t.Fatalf("second Reauthorize: %v", err)
	}
	if st := ended(op1.ID); st.State != domain.ConsentCancelled {
		t.Errorf("the first Reauthorize is %s, want cancelled", st.State)
	}
	if _, _, err := fakes.Browse(op2.AuthURL, "approve", nil); err != nil {
		t.Fatal(err)
	}
	if st := ended(op2.ID); st.State != domain.ConsentDone {
		t.Errorf("the second Reauthorize: %+v", st)
	}
}
