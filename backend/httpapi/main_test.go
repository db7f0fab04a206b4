package httpapi_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine is still running when
// they end: the service, the servers and the consents a test starts must be
// stopped (svc.Wait, Close) by the time it returns.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
