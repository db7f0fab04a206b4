package health_test

import (
	"context"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/health"
)

// TestSweepFollowsItsClock: a sweep's start and end, and whether a
// connection's rate-limit reset has passed, come from Options.Now, on dates
// far from the wall clock.
func TestSweepFollowsItsClock(t *testing.T) {
	for _, date := range []time.Time{
		time.Date(2031, 6, 1, 9, 15, 0, 0, time.UTC),
		time.Date(2028, 2, 29, 23, 30, 0, 0, time.UTC),
	} {
		t.Run(date.Format(time.RFC3339), func(t *testing.T) {
			f := &fakeChecker{latency: time.Millisecond, conns: conns(3, "api.example")}
			low := 1
			waiting, passed := date.Add(time.Hour), date.Add(-time.Hour)
			f.conns[0].RateLimitRemain = &low
			f.conns[0].LastError = &domain.CheckResult{Class: domain.ClassRateLimited, RetryAt: &waiting}
			f.conns[1].RateLimitRemain = &low
			f.conns[1].LastError = &domain.CheckResult{Class: domain.ClassRateLimited, RetryAt: &passed}
			p, err := health.Sweep(context.Background(), "s", f, health.Options{Now: func() time.Time { return date }}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p.Skipped != 1 || f.checked.Load() != 2 {
				t.Fatalf("skipped %d, checked %d: want only the connection whose reset is an hour ahead skipped (%+v)", p.Skipped, f.checked.Load(), p.Notes)
			}
			if !p.StartedAt.Equal(date) || p.FinishedAt == nil || !p.FinishedAt.Equal(date) {
				t.Fatalf("sweep ran %s to %v, want both on its clock (%s)", p.StartedAt, p.FinishedAt, date)
			}
		})
	}
}
