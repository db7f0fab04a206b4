// Package secrets keeps credentials out of SQLite: the OS keyring
// (zalando/go-keyring, every call bounded by a timeout), an opt-in 0600 file,
// an in-memory store for tests and --demo, and an "unavailable" store that
// refuses with a message saying how to fix it.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"patchbay/backend/domain"
)

// ErrNotFound is returned by Get for a key that has no secret.
var ErrNotFound = errors.New("secret not found")

// Store is where secrets live; keys look like "connection/<id>".
type Store interface {
	Get(ctx context.Context, key string) (string, error)
	Set(ctx context.Context, key, value string) error
	// Delete removes a secret; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Backend names the store: keyring, file, memory or unavailable.
	Backend() string
	// Warning is a user-facing warning about the store ("" when none).
	Warning() string
}

// Open picks the backend: the OS keyring when it answers, else the file
// fallback at filePath when the user opted in, else Unavailable.
func Open(ctx context.Context, service, filePath string, allowFile bool, timeout time.Duration) Store {
	k := NewKeyring(service, timeout)
	err := Probe(ctx, k)
	if err == nil {
		return k
	}
	if allowFile {
		f, ferr := NewFile(filePath)
		if ferr == nil {
			return f
		}
		return NewUnavailable(fmt.Sprintf("%v; the secrets file could not be opened either: %v", err, ferr))
	}
	return NewUnavailable(err.Error())
}

// Unavailable is the store used when no keyring works and the user did not
// opt into the file fallback: reads and writes fail with the way out.
type Unavailable struct{ reason string }

// NewUnavailable returns an Unavailable store with the reason the keyring failed.
func NewUnavailable(reason string) *Unavailable { return &Unavailable{reason: reason} }

func (u *Unavailable) err() error { return domain.Errorf(domain.EUnavailable, "%s", u.Warning()) }

// Get always fails with the how-to-fix message.
func (u *Unavailable) Get(context.Context, string) (string, error) { return "", u.err() }

// Set always fails with the how-to-fix message.
func (u *Unavailable) Set(context.Context, string, string) error { return u.err() }

// Delete succeeds: there is nothing stored to remove.
func (u *Unavailable) Delete(context.Context, string) error { return nil }

// Backend is "unavailable".
func (u *Unavailable) Backend() string { return "unavailable" }

// Warning says why and how to fix it.
func (u *Unavailable) Warning() string {
	return fmt.Sprintf("No OS keyring is available (%s). Start and unlock a Secret Service keyring such as gnome-keyring, or restart Patchbay with --insecure-file-secrets to keep secrets in a 0600 file.", u.reason)
}
