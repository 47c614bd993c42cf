package core

import (
	"context"
	"fmt"
	"os"
	"testing"

	"trustdesk/crdt"
	"trustdesk/internal/workergate"
)

// TestMain lets the test binary serve as the checking worker, as the real
// binary does, and as the importing child of TestImportKilled.
func TestMain(m *testing.M) {
	if crdt.IsWorker() {
		workergate.WaitIfGated()
		crdt.ServeWorker()
	}
	if home := os.Getenv("TRUSTDESK_TEST_IMPORT_HOME"); home != "" {
		os.Exit(importChild(home, os.Getenv("TRUSTDESK_TEST_IMPORT_FILE")))
	}
	// Race-instrumented children otherwise wait a second before exiting.
	os.Setenv("GORACE", "atexit_sleep_ms=0")
	os.Exit(m.Run())
}

// importChild imports one file into home; TestImportKilled kills it at a
// random moment.
func importChild(home, file string) int {
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s, err := Unlock(home, []byte("correct horse"), testOptions)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	if _, err := s.Import(context.Background(), data); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
