package app

import (
	"os"
	"testing"

	"trustdesk/crdt"
	"trustdesk/internal/workergate"
)

// TestMain lets the test binary serve as the checking worker, as the real
// binary does, so tests can import cells and sync files.
func TestMain(m *testing.M) {
	if crdt.IsWorker() {
		workergate.WaitIfGated()
		crdt.ServeWorker()
	}
	os.Exit(m.Run())
}
