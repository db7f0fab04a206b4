package cli

import (
	"log/slog"
	"time"

	"patchbay/backend/domain"
)

// startTrace records how long each start-up stage took, from the process's
// first instruction in main to the window's first frame, so a slow start
// can be pinned on a stage: `patchbay --verbose` logs one "startup" line per
// stage and the total.
type startTrace struct {
	now   domain.Clock
	start time.Time
	last  time.Time
	log   *slog.Logger
}

func newStartTrace(started time.Time, now domain.Clock) *startTrace {
	if now == nil {
		now = domain.SystemClock
	}
	if started.IsZero() {
		started = now()
	}
	return &startTrace{now: now, start: started, last: started}
}

// mark logs the stage that just ended (debug level) with its own duration
// and the time since the process started.
func (t *startTrace) mark(stage string) {
	if t == nil {
		return
	}
	now := t.now()
	if t.log != nil {
		t.log.Debug("startup", "stage", stage, "ms", ms(now.Sub(t.last)), "since_start_ms", ms(now.Sub(t.start)))
	}
	t.last = now
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
