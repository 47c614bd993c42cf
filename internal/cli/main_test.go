package cli

import (
	"os"
	"testing"

	"trustdesk/crdt"
)

// TestMain lets the test binary serve as the checking worker, as the real
// binary does.
func TestMain(m *testing.M) {
	if crdt.IsWorker() {
		crdt.ServeWorker()
	}
	// Race-instrumented children otherwise wait a second before exiting.
	os.Setenv("GORACE", "atexit_sleep_ms=0")
	os.Exit(m.Run())
}
