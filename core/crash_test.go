package core

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"trustdesk/crdt"
	"trustdesk/internal/testenv"
)

// TestImportKilled kills importing processes with SIGKILL at random moments,
// 100 times. Each file carries two new ratings on top of the previous one:
// afterwards the database always opens, passes the integrity check and
// holds both or neither of the file's new ratings.
func TestImportKilled(t *testing.T) {
	if testing.Short() || testenv.Race {
		// 100 race-instrumented children take minutes; make test runs
		// this test once more without -race.
		t.Skip("slow: starts 100 processes; run without -race and -short")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
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
		return v.state.Counted
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
