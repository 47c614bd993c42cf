package core

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"trustdesk/crdt"
	"trustdesk/internal/testenv"
	"trustdesk/store"
)

// TestImportKilled kills importing processes with SIGKILL at random moments,
// 100 times. Each file carries two new ratings on top of the previous one:
// afterwards the database always opens, passes the integrity check and
// holds both or neither of the file's new ratings.
func TestImportKilled(t *testing.T) {
	exe := testenv.KillTest(t, 100)
	a := newService(t, "Ana")
	home := t.TempDir()
	b, err := Init(home, "Bo", []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	meet(t, a, b)
	cell, _ := a.NewCell("Night")
	invite(t, a, b, cell.ID)
	// Publish the cards of the two people rated below in the cell first,
	// so each later rating is exactly one new statement.
	x, y := newCard(t, "X"), newCard(t, "Y")
	for _, c := range []string{x.String(), y.String()} {
		res, err := a.AddContact(c, "", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Rate(res.Contact.ID(), crdt.Rating{Safety: 3, Reliability: 3}, []crdt.CellID{cell.ID}); err != nil {
			t.Fatal(err)
		}
	}
	mustImport(t, b, mustExport(t, a, ExportRequest{To: to(b.Card().ID())}))
	b.Close()
	// counted opens the home as a fresh process would after the kill.
	counted := func() int {
		t.Helper()
		s, err := Unlock(home, []byte("correct horse"), testOptions)
		if err != nil {
			t.Fatalf("the database does not open after a kill: %v", err)
		}
		defer s.Close()
		if err := s.CheckStorage(); err != nil {
			t.Fatal(err)
		}
		v, err := s.FindCell("night")
		if err != nil {
			t.Fatal(err)
		}
		return v.cellState().Counted
	}
	base := counted()

	file := filepath.Join(t.TempDir(), "sync")
	have := base
	start := func(i int) *exec.Cmd {
		// Each file holds everything so far plus two new ratings.
		for _, p := range []*Contact{{Card: x}, {Card: y}} {
			if _, err := a.Rate(p.ID(), crdt.Rating{Safety: 1 + i%5, Reliability: 1 + i%3}, []crdt.CellID{cell.ID}); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(file, mustExport(t, a, ExportRequest{To: to(b.Card().ID())}), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "TRUSTDESK_TEST_IMPORT_HOME="+home, "TRUSTDESK_TEST_IMPORT_FILE="+file)
		return cmd
	}
	testenv.KillLoop(t, "import", 100, 7, start, func(i int, _ bool) {
		switch got := counted(); got {
		case have: // nothing of the file
		case base + 2*i: // all of it
			have = got
		default:
			t.Fatalf("import %d: %d statements count; want %d (nothing) or %d (all)", i, got, have, base+2*i)
		}
	})
}

// TestMigrationKilled kills processes opening a home made before cells
// were kept in parts (so moving it) with SIGKILL at random moments, 40
// times, each on a fresh copy. Afterwards the home always opens, passes
// the integrity check and shows the cells it showed before.
func TestMigrationKilled(t *testing.T) {
	exe := testenv.KillTest(t, 40)
	dir := filepath.Join("testdata", "compat")
	want, err := os.ReadFile(filepath.Join(dir, cellsFixture+".cells"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(filepath.Join(dir, cellsFixture, "trustdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	start := func(int) *exec.Cmd {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(filepath.Join(home, "trustdesk.db"+suffix))
		}
		if err := os.WriteFile(filepath.Join(home, "trustdesk.db"), db, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "TRUSTDESK_TEST_MIGRATE_HOME="+home)
		return cmd
	}
	moved := 0 // killed runs that had moved the home already
	testenv.KillLoop(t, "first open", 40, 11, start, func(i int, finished bool) {
		if sdb, err := store.Open(home, []byte("compat"), testOptions.storeOptions()); err == nil {
			if sdb.View(func(tx *store.Tx) error { _, err := tx.Get(bucketSelf, nil, keyFormat); return err }) == nil && !finished {
				moved++
			}
			sdb.Close()
		}
		s, err := Unlock(home, []byte("compat"), testOptions)
		if err != nil {
			t.Fatalf("open %d: the home does not open after a kill: %v", i, err)
		}
		defer s.Close()
		if err := s.CheckStorage(); err != nil {
			t.Fatal(err)
		}
		if got := cellLines(t, s); got != string(want) {
			t.Fatalf("open %d: cells after a kill:\n%s\nwant:\n%s", i, got, want)
		}
	})
	t.Logf("%d killed runs had moved the home to parts already", moved)
}

// TestRateKilled kills processes rating from the command line with
// SIGKILL at random moments, 40 times, in a home whose cells' kept states
// take each rating as a part (TestKeptStateParts). Afterwards the home
// always opens and passes the integrity check, each rating is in both
// cells or in neither, and a start from the kept states and their parts
// shows what deriving every cell shows.
func TestRateKilled(t *testing.T) {
	exe := testenv.KillTest(t, 40)
	home, _ := keptHome(t)
	counted := func() int {
		t.Helper()
		s := unlockAna(t, home)
		defer s.Close()
		if err := s.CheckStorage(); err != nil {
			t.Fatal(err)
		}
		views, err := s.Cells()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, v := range views {
			n += v.cellState().Counted
		}
		return n
	}
	have := counted()
	start := func(int) *exec.Cmd {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "TRUSTDESK_TEST_RATE_HOME="+home)
		return cmd
	}
	testenv.KillLoop(t, "rate", 40, 13, start, func(i int, _ bool) {
		s := unlockAna(t, home)
		got := shown(t, s)
		kept := usableKept(t, s)
		s.Close()
		if kept == 2 {
			// Derived on a copy, so that the parts go on growing here.
			copied := filepath.Join(t.TempDir(), "home")
			if err := os.CopyFS(copied, os.DirFS(home)); err != nil {
				t.Fatal(err)
			}
			if want := derivedShown(t, copied); got != want {
				t.Fatalf("rate %d: a start from kept states shows:\n%s\nderiving shows:\n%s", i, got, want)
			}
		}
		if n := counted(); n != have && n != have+2 {
			t.Fatalf("rate %d: %d statements count; want %d (the rating in neither cell) or %d (in both)", i, n, have, have+2)
		} else {
			have = n
		}
	})
}
