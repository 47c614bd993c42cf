package core

import (
	"context"
	"fmt"
	"os"
	"testing"

	"trustdesk/crdt"
	"trustdesk/internal/workergate"
)

// TestMain lets the test binary serve as the importing child of
// TestImportKilled, the child of TestMigrationKilled that opens an old
// home, the rating child of TestRateKilled, and, as the real binary
// does, as the checking worker.
// (The checker leaves TRUSTDESK_ variables out of a worker's environment,
// so a worker is never taken for the importing child.)
func TestMain(m *testing.M) {
	if home := os.Getenv("TRUSTDESK_TEST_IMPORT_HOME"); home != "" {
		os.Exit(importChild(home, os.Getenv("TRUSTDESK_TEST_IMPORT_FILE")))
	}
	if home := os.Getenv("TRUSTDESK_TEST_MIGRATE_HOME"); home != "" {
		os.Exit(migrateChild(home))
	}
	if home := os.Getenv("TRUSTDESK_TEST_RATE_HOME"); home != "" {
		os.Exit(rateChild(home))
	}
	workergate.Main(m)
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

// migrateChild opens home, which moves it to the newest format;
// TestMigrationKilled kills it at a random moment.
func migrateChild(home string) int {
	s, err := Unlock(home, []byte("compat"), testOptions)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s.Close()
	return 0
}

// rateChild rates the first of the owner's contacts in every cell of
// home, as the command line does; TestRateKilled kills it at a random
// moment.
func rateChild(home string) int {
	s, err := Unlock(home, []byte("correct horse"), testOptions)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	own, err := s.OwnContacts()
	if err == nil && len(own) == 0 {
		err = fmt.Errorf("no contact")
	}
	if err == nil {
		_, err = s.Rate(own[0].ID(), crdt.Rating{Safety: 2, Reliability: 2, Day: "2026-11-21"}, nil)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
