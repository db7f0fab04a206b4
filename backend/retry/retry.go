// Package retry runs an operation again after transient failures, waiting
// longer each time: the first wait Policy.Initial, each next one 1.5 times
// the last, at most a minute, each randomised by ±50 % so that clients that
// failed together do not retry together (the defaults of
// github.com/cenkalti/backoff/v5, which it replaces: 20 KB of the desktop
// binary for this loop, issue 18).
//
// The time budget counts the waits, not the wall clock: retrying stops when
// the waits so far and the next one would pass Policy.MaxElapsed, so no
// clock is read here (the backend reads only its injected clock).
package retry

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Defaults of Policy.
const (
	DefaultInitial    = 500 * time.Millisecond
	DefaultMaxElapsed = 15 * time.Minute
	maxInterval       = time.Minute
	multiplier        = 1.5
	jitter            = 0.5
)

// Policy says how long to keep trying.
type Policy struct {
	// Initial is the first wait (zero: DefaultInitial).
	Initial time.Duration
	// MaxElapsed bounds the sum of the waits (zero: DefaultMaxElapsed).
	MaxElapsed time.Duration
	// Notify, when set, is told each failed attempt and the wait before the
	// next, on the calling goroutine.
	Notify func(err error, wait time.Duration)
}

// permanentError is a failure not worth retrying.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: Do returns err at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// afterError asks for the next attempt after a given wait.
type afterError struct {
	err  error
	wait time.Duration
}

func (e *afterError) Error() string { return e.err.Error() }
func (e *afterError) Unwrap() error { return e.err }

// After reports err and asks for the next attempt after wait (a provider's
// Retry-After), instead of the backoff's own wait, which starts over.
func After(wait time.Duration, err error) error {
	return &afterError{err: err, wait: max(wait, 0)}
}

// Do calls op until it returns nil, returns a Permanent error, ctx ends or
// the next wait would pass the policy's MaxElapsed. It returns nil, op's
// last error (unwrapped from Permanent and After) or ctx's cause.
func Do(ctx context.Context, p Policy, op func() error) error {
	initial, budget := p.Initial, p.MaxElapsed
	if initial <= 0 {
		initial = DefaultInitial
	}
	if budget <= 0 {
		budget = DefaultMaxElapsed
	}
	interval, elapsed := initial, time.Duration(0)
	for {
		err := op()
		if err == nil {
			return nil
		}
		if pe, ok := errors.AsType[*permanentError](err); ok {
			return pe.err
		}
		if cause := context.Cause(ctx); cause != nil {
			return cause
		}
		next := time.Duration(float64(interval) * (1 - jitter + 2*jitter*rand.Float64()))
		interval = min(time.Duration(float64(interval)*multiplier), maxInterval)
		if ae, ok := errors.AsType[*afterError](err); ok {
			next, interval, err = ae.wait, initial, ae.err
		}
		if elapsed+next > budget {
			return err
		}
		elapsed += next
		if p.Notify != nil {
			p.Notify(err, next)
		}
		t := time.NewTimer(next)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		}
	}
}
