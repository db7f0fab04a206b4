//go:build !unix

package oauth

import "context"

// lockFile is a no-op where flock is unavailable: refreshes are then
// single-flight within a process only.
func lockFile(context.Context, string) (func(), error) { return func() {}, nil }
