package runs_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine is still running when
// they end: everything the code under test starts must be tracked and stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
