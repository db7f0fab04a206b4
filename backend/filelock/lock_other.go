//go:build !unix

package filelock

import "context"

// Lock is a no-op where flock is unavailable: refreshes are then
// single-flight within a process only.
func Lock(context.Context, string) (func(), error) { return func() {}, nil }

// TryLock always succeeds where flock is unavailable.
func TryLock(string) (func(), bool, error) { return func() {}, true, nil }
