package service_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/secrets"
)

// TestSuccessfulChecksKeepTheirLatencyAndStatus: the history of a healthy
// connection holds what the provider answered and how long it took, not
// zeros. The provider is a generic API-key endpoint that answers 200 (RFC
// 9110 §15.3.1) after a known delay, so every stored latency is at least
// that delay.
func TestSuccessfulChecksKeepTheirLatencyAndStatus(t *testing.T) {
	const delay = 150 * time.Millisecond
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"svc"}`))
	}))
	defer srv.Close()
	d := e.draft("latency-key-0001", "/me")
	d.BaseURL = srv.URL
	c, err := e.svc.CreateConnection(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CheckConnection(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	checks, err := e.svc.ListChecks(ctx, c.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 2 {
		t.Fatalf("want the check at creation and Check now, got %d", len(checks))
	}
	for i, h := range checks {
		if h.Class != domain.ClassOK || h.HTTPStatus != http.StatusOK || h.LatencyMS < delay.Milliseconds() {
			t.Errorf("check %d stored as class=%s http=%d latency=%d ms; want ok, 200 and at least %d ms", i, h.Class, h.HTTPStatus, h.LatencyMS, delay.Milliseconds())
		}
	}
}
