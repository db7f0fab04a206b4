package service_test

import (
	"context"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/secrets"
)

// TestFleetHealth: the heat map holds each day's share of successful checks
// (worst connection first), the status chart counts connections per day,
// latency percentiles are nearest-rank over successful checks, and a day
// with no check is empty, not 0 %.
func TestFleetHealth(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	e.fake.SetKey(fakes.GenericGoodKey, true)
	good, err := e.svc.CreateConnection(ctx, e.draft(fakes.GenericGoodKey, fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	d := e.draft(fakes.GenericGoodKey, fakes.GenericValidate)
	d.Label = "Flaky API"
	flaky, err := e.svc.CreateConnection(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	add := func(id string, day int, class domain.Class, ms int64) {
		t.Helper()
		at := today.AddDate(0, 0, -day).Add(time.Hour)
		if err := e.store.AddCheck(ctx, id, domain.CheckResult{Class: class, LatencyMS: ms, CheckedAt: at, Message: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	// Two days ago: good ok ×2, flaky 1 ok 1 failed. Yesterday: flaky failed only.
	for _, ms := range []int64{10, 20} {
		add(good.ID, 2, domain.ClassOK, ms)
	}
	add(flaky.ID, 2, domain.ClassOK, 30)
	add(flaky.ID, 2, domain.ClassProviderDown, 0)
	add(flaky.ID, 1, domain.ClassInvalidCredentials, 0)

	f, err := e.svc.GetFleetHealth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Days) != 30 || f.Days[29] != today.Format(time.DateOnly) {
		t.Fatalf("days %v", f.Days)
	}
	if len(f.Rows) != 2 || f.Rows[0].ConnectionID != flaky.ID {
		t.Fatalf("worst first: %+v", f.Rows)
	}
	fr := f.Rows[0]
	if fr.Uptime[27] == nil || *fr.Uptime[27] != 50 || fr.Checks[27] != 2 || fr.Uptime[28] == nil || *fr.Uptime[28] != 0 {
		t.Fatalf("flaky row: uptime %v checks %v", fr.Uptime[27:], fr.Checks[27:])
	}
	if fr.Uptime[10] != nil {
		t.Fatal("a day without checks is not empty")
	}
	if st := f.StatusByDay[27]; st.Healthy != 1 || st.Degraded != 1 || st.Failing != 0 {
		t.Fatalf("two days ago: %+v", st)
	}
	if st := f.StatusByDay[28]; st.Failing != 1 || st.NoChecks != 1 {
		t.Fatalf("yesterday: %+v", st)
	}
	// Latency over successful checks only: 10, 20, 30 plus the two checks at
	// creation (their real, measured latency). Nearest-rank p95 of 5 values
	// is the largest of them.
	wantP95 := int64(30)
	for _, id := range []string{good.ID, flaky.ID} {
		created, err := e.store.ListChecks(ctx, id, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range created {
			if r.Class == domain.ClassOK && !r.CheckedAt.Before(today) && r.LatencyMS > wantP95 {
				wantP95 = r.LatencyMS
			}
		}
	}
	if len(f.Latency) != 1 || f.Latency[0].Checks != 5 || f.Latency[0].P95MS != wantP95 {
		t.Fatalf("latency %+v, want 5 checks and p95 %d ms", f.Latency, wantP95)
	}
	// One day's checks for a heat map cell.
	list, err := e.svc.ListChecksOn(ctx, flaky.ID, f.Days[27])
	if err != nil || len(list) != 2 {
		t.Fatalf("checks of the day: %d %v", len(list), err)
	}
	if _, err := e.svc.ListChecksOn(ctx, flaky.ID, "yesterday"); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("bad day: %v", err)
	}
}
