package oauth

import "time"

// OnRetry sets the hook a Refresher calls with each failed attempt and the
// wait before the next one.
func OnRetry(r *Refresher, f func(err error, wait time.Duration)) { r.retried = f }
