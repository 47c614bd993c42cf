package core

import (
	"testing"

	"trustdesk/crdt"
)

// TestAttackKeptStartFromLaterHome: the app works out its list of cells
// while the command line renames a contact, then renames them back. What
// the app kept was worked out from the home after the first rename but
// keyed by the home before it, which is the home again after the second:
// every later start showed the name the user had taken back.
func TestAttackKeptStartFromLaterHome(t *testing.T) {
	sc := newInterleaved(t)
	if _, err := sc.app.Rate(sc.malID, crdt.Rating{Safety: 3, Reliability: 3}, []crdt.CellID{sc.cell}); err != nil {
		t.Fatal(err) // the list of cells kept no longer holds
	}
	sc.app.afterInputs = func() {
		sc.app.afterInputs = nil
		if _, err := sc.cli.RenameContact(sc.boID, "Bobby"); err != nil {
			t.Error(err)
		}
	}
	if _, err := sc.app.Cells(); err != nil {
		t.Fatal(err)
	}
	if sc.app.afterInputs != nil {
		t.Fatal("the app kept its list of cells before the rename could come between")
	}
	if _, err := sc.cli.RenameContact(sc.boID, "Bo"); err != nil {
		t.Fatal(err)
	}
	later := sc.open()
	defer later.Close()
	views, err := later.Cells()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		for _, m := range v.Members {
			if m.ID == sc.boID && m.Name != "Bo" {
				t.Errorf("a later start shows Bo as %q, a name the user took back", m.Name)
			}
		}
	}
}

// TestAttackKeptReputationFromLaterHome: as above, with a block lifted
// again: the reputation the app kept while the command line had Bo
// blocked showed him blocked, his ratings left out, on every start of
// that day after he was unblocked.
func TestAttackKeptReputationFromLaterHome(t *testing.T) {
	sc := newInterleaved(t)
	if _, err := sc.app.Rate(sc.boID, crdt.Rating{Safety: 5, Reliability: 5}, []crdt.CellID{sc.cell}); err != nil {
		t.Fatal(err) // the reputation kept no longer holds
	}
	sc.app.afterInputs = func() {
		sc.app.afterInputs = nil
		if _, err := sc.cli.SetBlocked(sc.boID, true); err != nil {
			t.Error(err)
		}
	}
	if _, err := sc.app.Reputation(); err != nil {
		t.Fatal(err)
	}
	if sc.app.afterInputs != nil {
		t.Fatal("the app kept its reputation before the block could come between")
	}
	if _, err := sc.cli.SetBlocked(sc.boID, false); err != nil {
		t.Fatal(err)
	}
	later := sc.open()
	defer later.Close()
	r, err := later.Reputation()
	if err != nil {
		t.Fatal(err)
	}
	if bo := r.Person(sc.boID.String()); bo == nil || bo.Blocked {
		t.Errorf("a later start shows Bo blocked, and leaves out what he says, though he is not: %+v", bo)
	}
}
