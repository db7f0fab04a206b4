// Package alerts sends Patchbay's alert deliveries to generic webhooks: a
// JSON body signed with HMAC-SHA256 of the route's secret. (Slack routes post
// through the Slack connection's own provider request, backend/providers.)
package alerts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"time"
)

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the body,
// keyed with the route's secret; receivers recompute and compare it.
const SignatureHeader = "X-Patchbay-Signature"

// Sign returns the SignatureHeader value of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether sig is body's signature under secret (constant
// time), for receivers written in Go and for tests.
func Verify(secret, body []byte, sig string) bool {
	return hmac.Equal([]byte(sig), []byte(Sign(secret, body)))
}

// Webhook posts deliveries.
type Webhook struct {
	// Client sends the requests (default: 10 s timeout, no redirects).
	Client *http.Client
}

func (w Webhook) client() *http.Client {
	if w.Client != nil {
		return w.Client
	}
	return &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Post sends body to url with its signature, the delivery id and the event;
// any answer but 2xx is an error saying what the receiver answered.
func (w Webhook) Post(ctx context.Context, url string, secret []byte, deliveryID, event string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build the webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Patchbay-Alerts")
	req.Header.Set(SignatureHeader, Sign(secret, body))
	req.Header.Set("X-Patchbay-Delivery", deliveryID)
	req.Header.Set("X-Patchbay-Event", event)
	resp, err := w.client().Do(req)
	if err != nil {
		return fmt.Errorf("the webhook could not be reached: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the webhook answered HTTP %d", resp.StatusCode)
	}
	return nil
}
