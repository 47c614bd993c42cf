package app

import (
	"testing"

	"trustdesk/internal/workergate"
)

// TestMain lets the test binary serve as the checking worker, as the real
// binary does, so tests can import cells and sync files.
func TestMain(m *testing.M) { workergate.Main(m) }
