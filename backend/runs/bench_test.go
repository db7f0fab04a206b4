package runs_test

import (
	"context"
	"testing"
	"time"

	"patchbay/backend/domain"
)

// BenchmarkResume1000Parked parks 1,000 runs on a broken connection, fixes
// it and times resuming them all, as a ratio of running 1,000 fresh runs.
func BenchmarkResume1000Parked(b *testing.B) {
	var ratio float64
	for i := 0; i < b.N; i++ {
		e, f, st, w := setup(b)
		ctx := context.Background()
		run := func() []string {
			var ids []string
			for j := 0; j < 1000; j++ {
				r, err := e.Start(ctx, w, "")
				if err != nil {
					b.Fatal(err)
				}
				ids = append(ids, r.ID)
			}
			return ids
		}
		start := time.Now()
		run()
		e.Wait()
		fresh := time.Since(start)
		f.set("slack", "broken")
		ids := run()
		e.Wait()
		if list, _ := st.RunsPausedOn(ctx, "slack"); len(list) != len(ids) {
			b.Fatalf("%d parked", len(list))
		}
		f.set("slack", "ok")
		start = time.Now()
		if _, err := e.ConnectionActive(ctx, "slack"); err != nil {
			b.Fatal(err)
		}
		e.Wait()
		resumed := time.Since(start)
		if list, _ := st.ListRuns(ctx, domain.RunCompleted, "", 5000); len(list) != 2000 {
			b.Fatalf("%d completed", len(list))
		}
		ratio += float64(resumed) / float64(fresh)
	}
	b.ReportMetric(ratio/float64(b.N), "resume/fresh")
}
