// Package notify owns the bell and the reauthorization banner (seed 004):
// one critical notification per connection that moves to error, titled after
// the app, never duplicated while it stays broken and resolved when it is
// active again; expiry warnings ahead of a token's expiry; and the banner
// derived from the unread critical notifications.
package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"patchbay/backend/domain"
)

// DefaultExpiryWarning is how far ahead of a token's expiry the bell warns.
const DefaultExpiryWarning = 7 * 24 * time.Hour

// Store is what the bell needs from the database (store.Store is one): at
// most one open notification of a kind per connection, added and resolved
// only while the connection's stored status is the given one.
type Store interface {
	AddNotification(ctx context.Context, n domain.Notification, while domain.Status) (bool, error)
	ResolveNotifications(ctx context.Context, connectionID, kind string, at time.Time, while domain.Status) (int64, error)
	OpenNotification(ctx context.Context, connectionID, kind string) (*domain.Notification, error)
}

// Notifier applies the bell rules to connections as they change.
type Notifier struct {
	Store Store
	// ExpiryWarning is the warning window (DefaultExpiryWarning if 0).
	ExpiryWarning time.Duration
	// Now is the clock the bell's times and expiry window follow (the
	// system clock if nil; the service sets its own).
	Now domain.Clock
}

func (n *Notifier) now() time.Time { return domain.Now(n.Now) }

// Observe updates the bell for a connection's current state; app is the
// provider's display name, refreshable says the token renews itself (OAuth),
// so its expiry needs no warning. It reports whether any notification changed.
// Call it after c's state is stored: a notification is raised (or resolved)
// only while the stored status still matches, so the bell follows the last
// recorded check even when two checks finish together.
func (n *Notifier) Observe(ctx context.Context, c domain.Connection, app string, refreshable bool) (bool, error) {
	changed := false
	at := n.now().UTC()
	switch c.Status {
	case domain.StatusError:
		// One open notification per connection is a unique index: a second
		// check of the still broken connection adds nothing. The insert
		// happens only while the stored status is still error.
		reason := c.StatusDescription
		if c.LastError != nil {
			reason = c.LastError.Message
		}
		added, err := n.Store.AddNotification(ctx, domain.Notification{ID: newID(), ConnectionID: c.ID, Severity: domain.SeverityCritical,
			Kind: domain.KindReauth, Title: app, Body: fmt.Sprintf("%s reauth required: %s. Reconnection needed. %s", app, c.Label, reason), CreatedAt: at}, domain.StatusError)
		if err != nil {
			return false, err
		}
		changed = added
	case domain.StatusActive, domain.StatusRevoked:
		// Working again, or disconnected on purpose: "reauth required" is moot.
		k, err := n.Store.ResolveNotifications(ctx, c.ID, domain.KindReauth, at, c.Status)
		if err != nil {
			return false, err
		}
		changed = k > 0
	}
	window := n.ExpiryWarning
	if window == 0 {
		window = DefaultExpiryWarning
	}
	expiring := !refreshable && c.Status == domain.StatusActive && c.TokenExpiresAt != nil && c.TokenExpiresAt.After(at) && c.TokenExpiresAt.Sub(at) <= window
	open, err := n.Store.OpenNotification(ctx, c.ID, domain.KindExpiry)
	if err != nil {
		return false, err
	}
	switch {
	case expiring && open == nil:
		added, err := n.Store.AddNotification(ctx, domain.Notification{ID: newID(), ConnectionID: c.ID, Severity: domain.SeverityWarning,
			Kind: domain.KindExpiry, Title: app, Body: fmt.Sprintf("The token of %s expires on %s. Create a new one and re-authenticate before then.",
				c.Label, c.TokenExpiresAt.UTC().Format("2 Jan 2006 15:04 MST")), CreatedAt: at}, domain.StatusActive)
		if err != nil {
			return false, err
		}
		changed = changed || added
	case !expiring && open != nil:
		k, err := n.Store.ResolveNotifications(ctx, c.ID, domain.KindExpiry, at, "")
		if err != nil {
			return false, err
		}
		changed = changed || k > 0
	}
	return changed, nil
}

// Banner is the banner for the unread critical notifications, oldest first:
// "A connection needs to be reauthorized" or "N connections need to be
// reauthorized", a link titled "<first app> reauth required" and how many more.
func Banner(unread []domain.Notification) domain.Banner {
	if len(unread) == 0 {
		return domain.Banner{}
	}
	b := domain.Banner{Count: len(unread), LinkTitle: unread[0].Title + " reauth required", ConnectionID: unread[0].ConnectionID, More: len(unread) - 1}
	if b.Count == 1 {
		b.Text = "A connection needs to be reauthorized"
	} else {
		b.Text = fmt.Sprintf("%d connections need to be reauthorized", b.Count)
	}
	return b
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "ntf_" + hex.EncodeToString(b[:])
}
