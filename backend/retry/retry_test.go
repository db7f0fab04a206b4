package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

var errTransient = errors.New("transient")

// TestDo: success after failures, the waits grow by 1.5 within ±50 %
// jitter, a Permanent error stops at once, After sets the next wait and
// starts the growth over, the wait budget stops the retries, ctx ends them.
func TestDo(t *testing.T) {
	ctx := context.Background()

	var waits []time.Duration
	n := 0
	err := Do(ctx, Policy{Initial: time.Millisecond, Notify: func(err error, w time.Duration) {
		if !errors.Is(err, errTransient) {
			t.Errorf("notified %v", err)
		}
		waits = append(waits, w)
	}}, func() error {
		if n++; n < 5 {
			return errTransient
		}
		return nil
	})
	if err != nil || n != 5 || len(waits) != 4 {
		t.Fatalf("want success on the 5th attempt after 4 waits: %v, %d attempts, waits %v", err, n, waits)
	}
	interval := time.Millisecond
	for i, w := range waits {
		if lo, hi := interval/2, interval*3/2; w < lo || w > hi {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, w, lo, hi)
		}
		interval = interval * 3 / 2
	}

	n = 0
	stop := errors.New("refused")
	if err := Do(ctx, Policy{Initial: time.Millisecond}, func() error { n++; return Permanent(stop) }); err != stop || n != 1 {
		t.Fatalf("Permanent: %v after %d attempts, want the error itself after 1", err, n)
	}
	if Permanent(nil) != nil {
		t.Fatal("Permanent(nil) is not nil")
	}

	waits, n = nil, 0
	err = Do(ctx, Policy{Initial: time.Millisecond, Notify: func(_ error, w time.Duration) { waits = append(waits, w) }}, func() error {
		switch n++; n {
		case 1, 2:
			return errTransient
		case 3:
			return After(30*time.Millisecond, errTransient)
		case 4:
			return errTransient
		}
		return nil
	})
	if err != nil || len(waits) != 4 || waits[2] != 30*time.Millisecond || waits[3] > 3*time.Millisecond/2 {
		t.Fatalf("After: %v, waits %v (want the third 30ms, the fourth back to the first interval)", err, waits)
	}

	n = 0
	err = Do(ctx, Policy{Initial: 10 * time.Millisecond, MaxElapsed: 50 * time.Millisecond}, func() error { n++; return errTransient })
	if !errors.Is(err, errTransient) || n < 2 || n > 6 {
		t.Fatalf("budget: %v after %d attempts, want the last error after 2-6", err, n)
	}
	err = Do(ctx, Policy{Initial: time.Millisecond, MaxElapsed: time.Second}, func() error { return After(time.Hour, errTransient) })
	if !errors.Is(err, errTransient) {
		t.Fatalf("an After past the budget: %v, want the error at once", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	n = 0
	err = Do(cctx, Policy{Initial: time.Hour, MaxElapsed: 2 * time.Hour}, func() error {
		if n++; n == 1 {
			time.AfterFunc(10*time.Millisecond, cancel)
		}
		return errTransient
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Fatalf("cancelled during the wait: %v after %d attempts", err, n)
	}
	n = 0
	if err := Do(cctx, Policy{}, func() error { n++; return errTransient }); !errors.Is(err, context.Canceled) || n != 1 {
		t.Fatalf("already cancelled: %v after %d attempts", err, n)
	}
}

// TestBudgetBelowFirstWait: a budget smaller than the first wait makes
// one attempt and no wait.
func TestBudgetBelowFirstWait(t *testing.T) {
	var waits []time.Duration
	n := 0
	_ = Do(context.Background(), Policy{Initial: 40 * time.Second, MaxElapsed: time.Second, Notify: func(_ error, w time.Duration) { waits = append(waits, w) }}, func() error {
		n++
		return errTransient
	})
	if n != 1 || len(waits) != 0 {
		t.Fatalf("%d attempts, waits %v; want 1 and none", n, waits)
	}
}
