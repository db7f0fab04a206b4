package notify_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/notify"
	"patchbay/backend/store"
)

func setup(t *testing.T, n int) (*notify.Notifier, *store.Store, []domain.Connection) {
	t.Helper()
	return setupAt(t, n, time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
}

// setupAt is setup with the notifier's clock starting at start (each reading
// a second later than the one before).
func setupAt(t *testing.T, n int, start time.Time) (*notify.Notifier, *store.Store, []domain.Connection) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "n.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var conns []domain.Connection
	for i := 0; i < n; i++ {
		c := domain.Connection{ID: fmt.Sprintf("c%d", i), Provider: "slack", AuthMode: "token", Label: fmt.Sprintf("Conn %d", i), Status: domain.StatusActive}
		if err := st.CreateConnection(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	clock := start
	nt := &notify.Notifier{Store: st, Now: func() time.Time { clock = clock.Add(time.Second); return clock }}
	return nt, st, conns
}

func broken(c domain.Connection) domain.Connection {
	c.Status, c.StatusDescription = domain.StatusError, "Reconnection needed."
	c.LastError = &domain.CheckResult{Class: domain.ClassRevoked, Message: "token_revoked"}
	return c
}

func TestBannerRules(t *testing.T) {
	apps := []string{"Slack", "GitHub", "Jira Cloud", "GitLab", "Harness CI/CD"}
	tests := []struct {
		affected int
		text     string
		more     int
	}{
		{0, "", 0},
		{1, "A connection needs to be reauthorized", 0},
		{2, "2 connections need to be reauthorized", 1},
		{5, "5 connections need to be reauthorized", 4},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.affected), func(t *testing.T) {
			nt, st, conns := setup(t, 5)
			ctx := context.Background()
			for i := 0; i < tt.affected; i++ {
				for repeat := 0; repeat < 3; repeat++ { // repeated failures never duplicate
					if _, err := nt.Observe(ctx, saved(t, st, broken(conns[i])), apps[i], false); err != nil {
						t.Fatal(err)
					}
				}
			}
			unread, _ := st.UnreadCritical(ctx)
			if len(unread) != tt.affected {
				t.Fatalf("%d unread critical, want %d", len(unread), tt.affected)
			}
			b := notify.Banner(unread)
			if b.Text != tt.text || b.More != tt.more {
				t.Fatalf("banner %+v", b)
			}
			if tt.affected > 0 && (b.LinkTitle != "Slack reauth required" || b.ConnectionID != "c0") {
				t.Fatalf("banner does not name the first app: %+v", b)
			}
			// Fix the first one: the banner moves on to the next app.
			if tt.affected >= 2 {
				if _, err := nt.Observe(ctx, saved(t, st, conns[0]), apps[0], false); err != nil {
					t.Fatal(err)
				}
				unread, _ = st.UnreadCritical(ctx)
				b = notify.Banner(unread)
				want := "A connection needs to be reauthorized"
				if tt.affected > 2 {
					want = fmt.Sprintf("%d connections need to be reauthorized", tt.affected-1)
				}
				if b.Text != want || b.LinkTitle != "GitHub reauth required" {
					t.Fatalf("after fixing one: %+v", b)
				}
			}
		})
	}
}

func TestTransientNeverRaisesAndReadClearsBanner(t *testing.T) {
	nt, st, conns := setup(t, 1)
	ctx := context.Background()
	interrupted := conns[0]
	interrupted.LastError = &domain.CheckResult{Class: domain.ClassProviderDown, Message: "HTTP 503"}
	if changed, _ := nt.Observe(ctx, saved(t, st, interrupted), "Slack", false); changed {
		t.Fatal("a transient failure changed the bell")
	}
	if list, _ := st.ListNotifications(ctx, 10); len(list) != 0 {
		t.Fatalf("transient failure raised %v", list)
	}
	nt.Observe(ctx, saved(t, st, broken(conns[0])), "Slack", false)
	list, _ := st.ListNotifications(ctx, 10)
	if len(list) != 1 || list[0].Severity != domain.SeverityCritical || list[0].Title != "Slack" {
		t.Fatalf("%+v", list)
	}
	if err := st.MarkNotificationRead(ctx, list[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if unread, _ := st.UnreadCritical(ctx); notify.Banner(unread).Text != "" {
		t.Fatal("banner still shown after the notification was read")
	}
	// Broken again after a fix: a new notification.
	nt.Observe(ctx, saved(t, st, conns[0]), "Slack", false)
	nt.Observe(ctx, saved(t, st, broken(conns[0])), "Slack", false)
	if list, _ = st.ListNotifications(ctx, 10); len(list) != 2 || list[1].ResolvedAt == nil {
		t.Fatalf("after second break: %+v", list)
	}
}

func TestExpiryWarning(t *testing.T) {
	// The window is counted on the notifier's clock, on any date: in 2031,
	// and across a leap day.
	for _, start := range []time.Time{
		time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
		time.Date(2031, 6, 1, 9, 15, 0, 0, time.UTC),
		time.Date(2028, 2, 26, 23, 30, 0, 0, time.UTC),
	} {
		t.Run(start.Format(time.RFC3339), func(t *testing.T) { testExpiryWarning(t, start) })
	}
}

func testExpiryWarning(t *testing.T, start time.Time) {
	nt, st, conns := setupAt(t, 1, start)
	ctx := context.Background()
	c := conns[0]
	// Just outside the 7-day window: no warning yet.
	outside := start.Add(notify.DefaultExpiryWarning + time.Hour)
	c.TokenExpiresAt = &outside
	if changed, _ := nt.Observe(ctx, saved(t, st, c), "GitHub", false); changed {
		t.Fatal("a token expiring in 7 days and an hour raised a warning")
	}
	soon := start.Add(3 * 24 * time.Hour)
	c.TokenExpiresAt = &soon
	nt.Observe(ctx, saved(t, st, c), "GitHub", false)
	nt.Observe(ctx, saved(t, st, c), "GitHub", false)
	list, _ := st.ListNotifications(ctx, 10)
	if len(list) != 1 || list[0].Severity != domain.SeverityWarning || list[0].Kind != domain.KindExpiry {
		t.Fatalf("%+v", list)
	}
	later := soon.Add(365 * 24 * time.Hour)
	c.TokenExpiresAt = &later // re-authenticated with a new token
	nt.Observe(ctx, saved(t, st, c), "GitHub", false)
	if open, _ := st.OpenNotification(ctx, c.ID, domain.KindExpiry); open != nil {
		t.Fatal("expiry warning not resolved")
	}
	if unread, _ := st.UnreadCritical(ctx); len(unread) != 0 {
		t.Fatal("an expiry warning counted as critical")
	}
	// A token that refreshes itself (OAuth) expiring soon is not a warning.
	c.TokenExpiresAt = &soon
	if changed, _ := nt.Observe(ctx, saved(t, st, c), "Slack", true); changed {
		t.Fatal("a refreshable token raised an expiry warning")
	}
}

// saved stores c's state as a recorded check would before the bell observes
// it (the notifier raises and resolves only while the stored status matches).
func saved(t *testing.T, st *store.Store, c domain.Connection) domain.Connection {
	t.Helper()
	if ok, err := st.RecordCheck(context.Background(), c); err != nil || !ok {
		t.Fatalf("record %s: %v %v", c.ID, ok, err)
	}
	return c
}
