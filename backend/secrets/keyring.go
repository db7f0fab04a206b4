package secrets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zalando/go-keyring"

	"patchbay/backend/domain"
)

// Keyring stores secrets in the OS keyring under one service name.
type Keyring struct {
	service string
	timeout time.Duration
	// The go-keyring calls, replaceable in tests to simulate a hung keyring.
	get func(service, user string) (string, error)
	set func(service, user, password string) error
	del func(service, user string) error
}

// NewKeyring returns the OS keyring store; every call gives up after timeout
// (a keyring can hang waiting for the user to unlock it).
func NewKeyring(service string, timeout time.Duration) *Keyring {
	return &Keyring{service: service, timeout: timeout, get: keyring.Get, set: keyring.Set, del: keyring.Delete}
}

// Backend is "keyring".
func (k *Keyring) Backend() string { return "keyring" }

// Warning is empty: the keyring is the safe place.
func (k *Keyring) Warning() string { return "" }

// bounded runs fn with the store's timeout. go-keyring's D-Bus calls take
// no context, so when the timeout wins the call is left running on its
// goroutine until the keyring answers (or never, if it hangs); the caller
// is not held, and the goroutine holds nothing but that call.
func (k *Keyring) bounded(ctx context.Context, op string, fn func() error) error {
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return domain.Errorf(domain.EUnavailable, "The OS keyring did not answer within %s (%s). Unlock your keyring (or start one) and try again.", k.timeout, op)
	}
}

// Get reads a secret.
func (k *Keyring) Get(ctx context.Context, key string) (string, error) {
	var v string
	err := k.bounded(ctx, "read", func() error {
		var err error
		v, err = k.get(k.service, key)
		return err
	})
	if errors.Is(err, keyring.ErrNotFound) {
		return "", ErrNotFound
	} else if err != nil {
		return "", keyringErr("read secret "+key, err)
	}
	return v, nil
}

// Set writes a secret.
func (k *Keyring) Set(ctx context.Context, key, value string) error {
	err := k.bounded(ctx, "write", func() error { return k.set(k.service, key, value) })
	return keyringErr("write secret "+key, err)
}

// Delete removes a secret.
func (k *Keyring) Delete(ctx context.Context, key string) error {
	err := k.bounded(ctx, "delete", func() error { return k.del(k.service, key) })
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return keyringErr("delete secret "+key, err)
}

func keyringErr(op string, err error) error {
	var de *domain.Error
	if err == nil || errors.As(err, &de) {
		return err
	}
	return &domain.Error{Code: domain.EUnavailable, Message: fmt.Sprintf("The OS keyring refused to %s: %v. Unlock your keyring and try again.", op, err)}
}

// Probe checks that the keyring works by writing, reading and deleting a
// probe entry; it returns the reason when it does not.
func Probe(ctx context.Context, k *Keyring) error {
	const key = "patchbay-probe"
	if err := k.Set(ctx, key, "probe"); err != nil {
		return fmt.Errorf("probe keyring: %w", err)
	}
	if v, err := k.Get(ctx, key); err != nil || v != "probe" {
		return fmt.Errorf("probe keyring: read back %q: %v", v, err)
	}
	return k.Delete(ctx, key)
}
