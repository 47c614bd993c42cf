package core

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
	os.Exit(m.Run())
}
