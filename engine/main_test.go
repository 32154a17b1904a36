package engine_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: a
// step goroutine the run loop did not wait for, a poll that was not
// stopped, or a test server left open.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
