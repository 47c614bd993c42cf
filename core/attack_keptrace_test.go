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
	sc.betweenReads(t, func() error {
		_, err := sc.cli.RenameContact(sc.boID, "Bobby")
		return err
	}, func() error {
		_, err := sc.app.Cells()
		return err
	})
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
		for _, m := range v.Members() {
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
	sc.betweenReads(t, func() error {
		_, err := sc.cli.SetBlocked(sc.boID, true)
		return err
	}, func() error {
		_, err := sc.app.Reputation()
		return err
	})
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

// betweenReads runs start in the app, and change in the command line
// just after the app read the digest of its inputs and before it works
// out what to keep.
func (sc *interleaved) betweenReads(t *testing.T, change, start func() error) {
	t.Helper()
	sc.app.afterInputs = func() {
		sc.app.afterInputs = nil
		if err := change(); err != nil {
			t.Errorf("the command line's change: %v", err)
		}
	}
	if err := start(); err != nil {
		t.Fatal(err)
	}
	if sc.app.afterInputs != nil {
		t.Fatal("the app found its start kept: the command line could not come between")
	}
}
