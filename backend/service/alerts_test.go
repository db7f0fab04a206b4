package service_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"patchbay/backend/alerts"
	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/providers"
	"patchbay/backend/secrets"
)

// receiver is a local webhook receiver that verifies X-Patchbay-Signature
// (HMAC-SHA256 of the body with the route's secret) and can fail on demand.
type receiver struct {
	mu       sync.Mutex
	secret   []byte
	fail     int // answer this status while set
	bodies   []string
	badSigs  int
	attempts int
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.attempts++
	if !alerts.Verify(rv.secret, body, r.Header.Get(alerts.SignatureHeader)) {
		rv.badSigs++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if rv.fail != 0 {
		http.Error(w, "down", rv.fail)
		return
	}
	rv.bodies = append(rv.bodies, string(body))
	w.WriteHeader(http.StatusNoContent)
}

func (rv *receiver) got() ([]string, int) {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]string(nil), rv.bodies...), rv.badSigs
}

func waitDeliveries(t *testing.T, e *env, want int) []domain.AlertDelivery {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		list, err := e.svc.ListAlertDeliveries(context.Background(), 100)
		done := 0
		for _, d := range list {
			if d.Status != domain.DeliveryPending {
				done++
			}
		}
		if err == nil && len(list) == want && done == want {
			return list
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries: %+v (%v), want %d finished", list, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Breaking a connection posts one signed webhook and one Slack message
// ("reauth required"), a second check of the still broken connection posts
// nothing, and re-authentication posts one recovery message to each.
func TestAlertRoutesPostOncePerStateChange(t *testing.T) {
	cat, _ := providers.Load()
	e := newEnvWith(t, secrets.NewMemory(), cat.AllSelfHosted())
	ctx := context.Background()
	const secret = "whsec-0123456789abcdef"
	rv := &receiver{secret: []byte(secret)}
	hook := httptest.NewServer(rv)
	defer hook.Close()
	slack, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "slack", AuthMode: "token", Label: "Team Slack", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/slack", Secrets: map[string]string{"token": fakes.SlackToken}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateAlertRoute(ctx, domain.AlertRouteDraft{AlertRoute: domain.AlertRoute{Name: "Ops hook", Kind: "webhook", URL: hook.URL}, Secret: "short"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("a short secret: %v", err)
	}
	if _, err := e.svc.CreateAlertRoute(ctx, domain.AlertRouteDraft{AlertRoute: domain.AlertRoute{Name: "Plain", Kind: "webhook", URL: "http://example.com/hook"}, Secret: secret}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("plain http to another host: %v", err)
	}
	wh, err := e.svc.CreateAlertRoute(ctx, domain.AlertRouteDraft{AlertRoute: domain.AlertRoute{Name: "Ops hook", Kind: "webhook", URL: hook.URL}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateAlertRoute(ctx, domain.AlertRouteDraft{AlertRoute: domain.AlertRoute{Name: "#alerts", Kind: "slack", SlackConnectionID: slack.ID, Channel: "#alerts"}}); err != nil {
		t.Fatal(err)
	}
	const key, key2 = "alert-key-000000000001", "alert-key-000000000002"
	e.fake.SetKey(key, true)
	e.fake.SetKey(key2, true)
	c, err := e.svc.CreateConnection(ctx, e.draft(key, fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	e.fake.SetKey(key, false)
	for i := 0; i < 3; i++ { // only the first check changes the state
		if got, err := e.svc.CheckConnection(ctx, c.ID); err != nil || got.Status != domain.StatusError {
			t.Fatalf("check: %v %s", err, got.Status)
		}
	}
	waitDeliveries(t, e, 2)
	if _, err := e.svc.ReauthenticateConnection(ctx, c.ID, domain.ReauthDraft{Secrets: map[string]string{"apiKey": key2}}); err != nil {
		t.Fatal(err)
	}
	list := waitDeliveries(t, e, 4)
	for _, d := range list {
		if d.Status != domain.DeliveryDelivered || d.Attempts != 1 {
			t.Errorf("delivery %+v", d)
		}
	}
	bodies, bad := rv.got()
	if bad != 0 || len(bodies) != 2 {
		t.Fatalf("webhook got %d bodies, %d bad signatures", len(bodies), bad)
	}
	var first struct {
		Event      string
		Text       string
		Connection struct{ ID, Label, Status string }
	}
	if err := json.Unmarshal([]byte(bodies[0]), &first); err != nil || first.Event != domain.AlertReauthRequired || first.Connection.ID != c.ID ||
		!strings.Contains(first.Text, "reauth required: Demo API. Reconnection needed.") {
		t.Fatalf("first webhook body %s (%v)", bodies[0], err)
	}
	if !strings.Contains(bodies[1], domain.AlertRecovered) {
		t.Fatalf("second webhook body %s", bodies[1])
	}
	var posts []string
	for _, p := range e.fake.Posts() {
		if strings.HasPrefix(p, "alerts: ") {
			posts = append(posts, p)
		}
	}
	if len(posts) != 2 || !strings.Contains(posts[0], "reauth required") || !strings.Contains(posts[1], "reconnected") {
		t.Fatalf("Slack posts %q", posts)
	}
	for _, s := range []string{key, key2, secret, fakes.SlackToken} {
		for _, b := range bodies {
			if strings.Contains(b, s) {
				t.Fatal("a secret is in a webhook payload")
			}
		}
		for _, d := range list {
			if strings.Contains(d.Body, s) {
				t.Fatal("a secret is in a stored delivery")
			}
		}
		assertNotInFiles(t, e.dbPath, s)
	}
	if err := e.svc.DeleteAlertRoute(ctx, wh.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.secrets.Get(ctx, "alert-route/"+wh.ID); err == nil {
		t.Fatal("the route's secret outlived it")
	}
}

// A receiver that keeps failing: the delivery is retried with backoff on
// the service's clock (30 s, 1 min, 2 min, 4 min), listed as failed after 5
// attempts, and Retry delivers it once the receiver is back.
func TestAlertDeliveryRetriesThenFailsThenRetry(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	const secret = "whsec-retry-0123456789"
	rv := &receiver{secret: []byte(secret), fail: http.StatusInternalServerError}
	hook := httptest.NewServer(rv)
	defer hook.Close()
	r, err := e.svc.CreateAlertRoute(ctx, domain.AlertRouteDraft{AlertRoute: domain.AlertRoute{Name: "Flaky", Kind: "webhook", URL: hook.URL}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.svc.TestAlertRoute(ctx, r.ID)
	if err != nil || d.Status != domain.DeliveryPending || d.Attempts != 1 || !strings.Contains(d.LastError, "HTTP 500") {
		t.Fatalf("test delivery: %+v %v", d, err)
	}
	for i, wait := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute} {
		e.clock.Advance(wait - time.Second)
		if n := e.svc.DeliverDueAlerts(ctx); n != 0 {
			t.Fatalf("retry %d came %s early", i+1, time.Second)
		}
		e.clock.Advance(2 * time.Second)
		if n := e.svc.DeliverDueAlerts(ctx); n != 1 {
			t.Fatalf("retry %d not attempted after %s", i+1, wait)
		}
	}
	list, _ := e.svc.ListAlertDeliveries(ctx, 10)
	if len(list) != 1 || list[0].Status != domain.DeliveryFailed || list[0].Attempts != 5 {
		t.Fatalf("after 5 attempts: %+v", list)
	}
	e.clock.Advance(time.Hour)
	if n := e.svc.DeliverDueAlerts(ctx); n != 0 {
		t.Fatal("a failed delivery was retried by itself")
	}
	rv.mu.Lock()
	rv.fail = 0
	rv.mu.Unlock()
	if d, err := e.svc.RetryAlertDelivery(ctx, d.ID); err != nil || d.Status != domain.DeliveryDelivered {
		t.Fatalf("retry: %+v %v", d, err)
	}
	if _, err := e.svc.RetryAlertDelivery(ctx, d.ID); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("retrying a delivered one: %v", err)
	}
	if bodies, bad := rv.got(); len(bodies) != 1 || bad != 0 || !strings.Contains(bodies[0], `"event":"test"`) {
		t.Fatalf("bodies %q, bad signatures %d", bodies, bad)
	}
}

// An expiry warning goes only to routes that asked for warnings.
func TestExpiryWarningGoesOnlyToWarningRoutes(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	const secret = "whsec-warn-0123456789"
	crit, warn := &receiver{secret: []byte(secret)}, &receiver{secret: []byte(secret)}
	critSrv, warnSrv := httptest.NewServer(crit), httptest.NewServer(warn)
	defer critSrv.Close()
	defer warnSrv.Close()
	for _, r := range []domain.AlertRoute{{Name: "critical only", Kind: "webhook", URL: critSrv.URL}, {Name: "warnings", Kind: "webhook", URL: warnSrv.URL, MinSeverity: domain.SeverityWarning}} {
		if _, err := e.svc.CreateAlertRoute(ctx, domain.AlertRouteDraft{AlertRoute: r, Secret: secret}); err != nil {
			t.Fatal(err)
		}
	}
	tok := "ghp_" + fakes.MarkExpiry + "EXPIRINGexpiringEXPIRING0002"
	e.fake.SetKey(tok, true)
	if _, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "github", AuthMode: "pat", Label: "Expiring GitHub", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/github", Config: map[string]string{"email": "a@b.c"}, Secrets: map[string]string{"token": tok}}); err != nil {
		t.Fatal(err)
	}
	waitDeliveries(t, e, 1)
	if b, _ := warn.got(); len(b) != 1 || !strings.Contains(b[0], domain.AlertExpiring) || strings.Contains(b[0], tok) {
		t.Fatalf("warning route got %q", b)
	}
	if b, _ := crit.got(); len(b) != 0 {
		t.Fatalf("critical-only route got %q", b)
	}
}
