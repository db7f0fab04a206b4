// Package filelock takes advisory locks on files in the data directory, so
// that processes sharing it (the window, `patchbay serve`, `patchbay check`)
// coordinate: one token refresh per connection at a time, and knowing
// whether a sweep another process started is still alive. A lock dies with
// its process, so a crash never leaves one held.
package filelock
