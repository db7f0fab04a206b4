// Package realkeyring holds the tests that need a real Secret Service. They
// are built only with the realkeyring build tag (scripts/test-go.sh runs them
// inside dbus-run-session with an unlocked gnome-keyring) and check with
// secret-tool that each secret really is in the Secret Service.
//
// They live in their own package so that no test can install go-keyring's
// process-wide mock in their test binary: nothing here calls keyring.MockInit,
// and a secret that went to a mock would not be found by secret-tool.
package realkeyring
