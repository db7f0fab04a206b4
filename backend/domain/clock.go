package domain

import "time"

// Clock tells the current time. It is the backend's one clock signature:
// the service, sweeps, the notifier, the run engine, the portal, the OAuth
// refresher and the OAuth 1.0a signer read "now" through one (a Now field
// or option), and the service hands its own to each of them, so a test that
// moves the service's clock moves all of them. The store reads no clock:
// its callers pass the times.
type Clock = func() time.Time

// SystemClock reads the wall clock. It is the only place the backend does:
// the cli wires it into the service, and a component given no clock falls
// back to it through Now.
func SystemClock() time.Time { return time.Now() }

// Now returns the time on c, or on SystemClock when c is nil.
func Now(c Clock) time.Time {
	if c == nil {
		return SystemClock()
	}
	return c()
}
