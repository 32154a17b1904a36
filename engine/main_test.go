package engine_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: a
// step goroutine the run loop did not wait for, a poll that was not
// stopped, or a test server left open. Started with journalHelperEnv set,
// the test binary is instead the helper process of
// TestJournalNeverPartial.
func TestMain(m *testing.M) {
	if path := os.Getenv(journalHelperEnv); path != "" {
		journalHelper(path)
		return
	}
	goleak.VerifyTestMain(m)
}
