package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

// TestClockDependentSuitesOnOtherDates runs every test whose outcome depends
// on the date with the service's clock started far from the wall clock: in
// 2031 and just before midnight on a leap day. Whatever reads the wall clock
// instead of the service's clock (a component the service forgot to hand its
// clock, or a time.Now in the backend) disagrees with it there and fails.
func TestClockDependentSuitesOnOtherDates(t *testing.T) {
	suites := []struct {
		name string
		run  func(*testing.T)
	}{
		{"UptimeWindows", TestUptimeWindowsFollowTheServiceClock},
		{"Retention", TestRetentionFollowsTheServiceClock},
		{"ExpiryWarnings", TestExpiryWarningFollowsTheServiceClock},
		{"LinkExpiry", TestReconnectLinkExpiresOnTheServiceClock},
		{"ScheduledSweeps", TestScheduledSweepsFollowEachWorkspaceInterval},
		{"SweepRestart", TestRestartInTheMiddleOfASweep},
		{"SweepTimes", TestSweepTimesFollowTheServiceClock},
		{"ScheduleTrigger", TestScheduleTriggerFiresWhenDueAndNeverPilesUp},
	}
	for _, date := range []time.Time{
		time.Date(2031, 6, 1, 9, 15, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 23, 30, 0, 0, time.UTC),
	} {
		t.Run(date.Format(time.RFC3339), func(t *testing.T) {
			startDate = date
			t.Cleanup(func() { startDate = time.Time{} })
			for _, s := range suites {
				t.Run(s.name, s.run)
			}
		})
	}
}

// sameMinute fails unless got is within a minute of want.
func sameMinute(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if d := got.Sub(want); d < -time.Minute || d > time.Minute {
		t.Fatalf("%s is %s, want about %s (the service's clock)", what, got.UTC().Format(time.RFC3339), want.UTC().Format(time.RFC3339))
	}
}

// TestUptimeWindowsFollowTheServiceClock: the Monitoring tab's windows count
// back from the service's clock (24 hours from the hourly rollup, 7 days in
// whole days from the daily one).
func TestUptimeWindowsFollowTheServiceClock(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c, err := e.svc.CreateConnection(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now().UTC()
	// One check an hour from 1 to 72 hours ago, on top of the creation's check.
	for i := 1; i <= 72; i++ {
		if err := e.store.AddCheck(ctx, c.ID, domain.CheckResult{Class: domain.ClassOK, LatencyMS: 5, CheckedAt: now.Add(-time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	up, err := e.svc.GetUptime(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The 24 h window starts at the hour 24 hours ago: checks 0..24 hours old.
	if up.H24.Checks != 1+24 {
		t.Fatalf("24 h window has %d checks, want 25 (the hourly rollup from the service's clock)", up.H24.Checks)
	}
	if up.D7.Checks != 1+72 || up.D30.Checks != 1+72 {
		t.Fatalf("7 and 30 day windows have %d and %d checks, want 73", up.D7.Checks, up.D30.Checks)
	}
}

// TestRetentionFollowsTheServiceClock: the retention period counts back from
// the service's clock.
func TestRetentionFollowsTheServiceClock(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c, err := e.svc.CreateConnection(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now().UTC()
	for _, age := range []time.Duration{40 * 24 * time.Hour, 31 * 24 * time.Hour, 29 * 24 * time.Hour, time.Hour} {
		if err := e.store.AddCheck(ctx, c.ID, domain.CheckResult{Class: domain.ClassOK, CheckedAt: now.Add(-age)}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.svc.PruneHistory(ctx, 30*24*time.Hour)
	if err != nil || n != 2 {
		t.Fatalf("pruned %d checks (%v), want the 2 older than 30 days", n, err)
	}
	if list, _ := e.svc.ListChecks(ctx, c.ID, 10); len(list) != 3 {
		t.Fatalf("%d checks kept, want 3 (two recent ones and the creation's)", len(list))
	}
}

// TestExpiryWarningFollowsTheServiceClock: a token that expires in 3 days
// by the service's clock raises the bell's expiry warning, and the check
// times are the service's.
func TestExpiryWarningFollowsTheServiceClock(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	tok := "ghp_" + fakes.MarkExpiry + "EXPIRINGexpiringEXPIRING0001"
	e.fake.SetKey(tok, true)
	c, err := e.svc.CreateConnection(ctx, domain.ConnectionDraft{Provider: "github", AuthMode: "pat", Label: "Expiring GitHub", WorkspaceIDs: []string{e.ws.ID},
		BaseURL: e.url + "/github", Config: map[string]string{"email": "a@b.c"}, Secrets: map[string]string{"token": tok}})
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	if c.TokenExpiresAt == nil {
		t.Fatal("the token's expiry was not read")
	}
	sameMinute(t, "the token's expiry", *c.TokenExpiresAt, now.Add(72*time.Hour))
	if c.LastCheckedAt == nil {
		t.Fatal("no check time")
	}
	sameMinute(t, "the check time", *c.LastCheckedAt, now)
	if c, err = e.svc.CheckConnection(ctx, c.ID); err != nil || c.Status != domain.StatusActive {
		t.Fatalf("check: %+v %v", c, err)
	}
	list, err := e.svc.ListNotifications(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var warn *domain.Notification
	for i := range list {
		if list[i].ConnectionID == c.ID && list[i].Kind == domain.KindExpiry {
			warn = &list[i]
		}
	}
	if warn == nil {
		t.Fatalf("no expiry warning for a token expiring in 3 days: %+v", list)
	}
	sameMinute(t, "the warning's time", warn.CreatedAt, now)
	if day := c.TokenExpiresAt.UTC().Format("2 Jan 2006"); !strings.Contains(warn.Body, day) {
		t.Fatalf("warning %q does not name the expiry day %s", warn.Body, day)
	}
	// Read at the service's time.
	if err := e.svc.MarkNotificationRead(ctx, warn.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.store.GetNotification(ctx, warn.ID); got.ReadAt == nil {
		t.Fatal("not marked read")
	} else {
		sameMinute(t, "the read time", *got.ReadAt, e.clock.Now())
	}
}

// TestReconnectLinkExpiresOnTheServiceClock: a reconnection link works until
// its expiry by the service's clock and is refused after it.
func TestReconnectLinkExpiresOnTheServiceClock(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	client, err := e.svc.CreateClient(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	link := func() domain.ReconnectRequest {
		t.Helper()
		c, err := e.svc.CreateConnection(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SetConnectionOwner(ctx, c.ID, client.ID); err != nil {
			t.Fatal(err)
		}
		r, err := e.svc.CreateReconnectRequest(ctx, c.ID, "http://127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		sameMinute(t, "the link's expiry", r.ExpiresAt, e.clock.Now().Add(service.DefaultRequestTTL))
		return r
	}
	token := func(r domain.ReconnectRequest) string { return r.URL[strings.LastIndex(r.URL, "/")+1:] }
	early, late := link(), link()
	e.clock.Advance(service.DefaultRequestTTL - time.Hour)
	if ps, err := e.svc.OpenRequest(ctx, token(early)); err != nil || ps.ClientID != client.ID {
		t.Fatalf("a link an hour before its expiry: %+v %v", ps, err)
	}
	if list, _ := e.svc.ListRequests(ctx, client.ID); len(list) != 2 {
		t.Fatalf("requests %+v", list)
	} else {
		for _, r := range list {
			if r.ID == early.ID && (r.State != domain.RequestOpened || r.UsedAt == nil) {
				t.Fatalf("opened link: %+v", r)
			} else if r.ID == early.ID {
				sameMinute(t, "the link's use time", *r.UsedAt, e.clock.Now())
			}
			if r.ID == late.ID && r.State != domain.RequestPending {
				t.Fatalf("the unused link an hour before its expiry is %s", r.State)
			}
		}
	}
	e.clock.Advance(2 * time.Hour)
	if _, err := e.svc.OpenRequest(ctx, token(late)); domain.ErrorCode(err) != domain.EUnauthorized || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("a link an hour after its expiry opened: %v", err)
	}
	list, _ := e.svc.ListRequests(ctx, client.ID)
	for _, r := range list {
		if r.ID == late.ID && r.State != domain.RequestExpired {
			t.Fatalf("the link an hour after its expiry is %s", r.State)
		}
	}
}

// TestSweepTimesFollowTheServiceClock: a sweep's start and end, and the
// times of its checks, are the service's.
func TestSweepTimesFollowTheServiceClock(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	c, err := e.svc.CreateConnection(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.StartSweep(ctx); err != nil {
		t.Fatal(err)
	}
	var p domain.SweepProgress
	deadline := time.Now().Add(10 * time.Second)
	for p, _ = e.svc.GetSweep(ctx); p.Running || p.FinishedAt == nil; p, _ = e.svc.GetSweep(ctx) {
		if time.Now().After(deadline) {
			t.Fatalf("the sweep did not finish in 10 s: %+v", p)
		}
		time.Sleep(5 * time.Millisecond)
	}
	now := e.clock.Now()
	sameMinute(t, "the sweep's start", p.StartedAt, now)
	sameMinute(t, "the sweep's end", *p.FinishedAt, now)
	stored, ok, err := e.store.LastSweep(ctx)
	if err != nil || !ok || stored.FinishedAt == nil {
		t.Fatalf("stored sweep %+v %v", stored, err)
	}
	sameMinute(t, "the stored sweep's start", stored.StartedAt, now)
	got, _ := e.svc.GetConnection(ctx, c.ID)
	sameMinute(t, "the swept connection's check time", *got.LastCheckedAt, now)
}
