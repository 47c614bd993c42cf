package cli

import (
	"testing"

	"trustdesk/internal/workergate"
)

// TestMain lets the test binary serve as the checking worker, as the real
// binary does.
func TestMain(m *testing.M) { workergate.Main(m) }
