package runs_test

import (
	"context"
	"testing"
	"time"

	"patchbay/backend/domain"
)

// BenchmarkResume1000Parked compares equal work: 1,000 runs parked on their
// first step (the trigger's connection broken), then resumed once it is
// fixed, each executing all 3 steps; against 1,000 fresh runs executing the
// same 3 steps. It reports the resume time as a ratio of the fresh time
// (resume/fresh; target ≤ 1.10: finding the parked runs and re-queuing them
// may cost a little on top of the same steps). The two alternate which goes
// first; run it with an even -benchtime.
func BenchmarkResume1000Parked(b *testing.B) {
	const n = 1000
	var ratio float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e, f, st, w := setup(b)
		ctx := context.Background()
		start := func() {
			for j := 0; j < n; j++ {
				if _, err := e.Start(ctx, w, ""); err != nil {
					b.Fatal(err)
				}
			}
		}
		// Park n runs on the trigger's step 0: nothing of theirs has run yet.
		f.set("jira", "broken")
		start()
		e.Wait()
		parked, err := st.RunsPausedOn(ctx, "jira")
		if err != nil || len(parked) != n {
			b.Fatalf("%d runs parked on jira (%v), want %d", len(parked), err, n)
		}
		for _, r := range parked {
			if r.CurrentStep != 0 || r.Steps[1].Attempts != 0 || r.Steps[2].Attempts != 0 {
				b.Fatalf("parked run did more than its first step: %+v", r)
			}
		}
		f.set("jira", "ok")
		b.StartTimer()

		// Alternate which goes first, so a busy moment of the machine does
		// not always land on the same side.
		freshRuns := func() time.Duration {
			t0 := time.Now()
			start()
			e.Wait()
			return time.Since(t0)
		}
		resumeRuns := func() time.Duration {
			t0 := time.Now()
			if got, err := e.ConnectionActive(ctx, "jira"); err != nil || got != n {
				b.Fatalf("resumed %d (%v), want %d", got, err, n)
			}
			e.Wait()
			return time.Since(t0)
		}
		var fresh, resumed time.Duration
		if i%2 == 0 {
			fresh = freshRuns()
			resumed = resumeRuns()
		} else {
			resumed = resumeRuns()
			fresh = freshRuns()
		}

		b.StopTimer()
		list, err := st.ListRuns(ctx, domain.RunCompleted, "", 5*n)
		if err != nil || len(list) != 2*n {
			b.Fatalf("%d runs completed (%v), want %d", len(list), err, 2*n)
		}
		b.StartTimer()
		ratio += float64(resumed) / float64(fresh)
	}
	b.ReportMetric(ratio/float64(b.N), "resume/fresh")
}
