package workergate

import (
	"os"
	"testing"

	"trustdesk/crdt"
)

// Main is the TestMain of a package whose tests import cells or sync files:
// the test binary then also serves as the checking worker, as the real
// binary does (waiting first at a [Gate] if it was started with one), and
// otherwise runs the tests.
//
// A package with children of its own checks for them first, then calls
// Main.
func Main(m *testing.M) {
	if crdt.IsWorker() {
		crdt.ServeWorkerEach(WaitIfGated) // the worker stays for a session: each request waits
	}
	// Race-instrumented children otherwise wait a second before exiting.
	os.Setenv("GORACE", "atexit_sleep_ms=0")
	os.Exit(m.Run())
}
