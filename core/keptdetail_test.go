package core

import (
	"bytes"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/store"
)

// keptRecord returns the record kept under key in s's home.
func keptRecord(t *testing.T, s *Service, key []byte) []byte {
	t.Helper()
	var b []byte
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		b, err = tx.Get(bucketStart, nil, key)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKeptCellsWithoutPeople: a member's sync file that puts many people
// and votes into a cell leaves the list of cells a start reads as small
// as before; a view lists the cell's people and votes, read apart, when
// asked for, and works them out again when they are not kept. Before,
// the kept list held every member, vouch and vote, and every later
// start decoded them all: 27 ms of processor time a start with 2,000
// fakes against 19 ms now (BenchmarkHuntMembers2000), about 0.37 s for
// 100,000 members' views decoded alone.
func TestKeptCellsWithoutPeople(t *testing.T) {
	const n = 40
	var fakes []*identity.Identity
	ana := newService(t, "Ana")
	mustImport(t, ana, bosCellFile(t, ana, 0, func(bo *Service, work *crdt.Cell, _ []*identity.Card) error {
		var err error
		if fakes, err = huntFakes(bo, work, n, time.Now()); err != nil {
			return err
		}
		for i, f := range fakes[:n/2] {
			if _, err := work.VoteExclude(f, fakes[n-1-i].Card.ID(), time.Now()); err != nil {
				return err
			}
		}
		_, err = work.SetPolicy(fakes[0], crdt.Policy{AdmitVouches: 2, ExcludeQuorum: 3}, time.Now())
		return err
	}))
	ana.Close()
	for _, forget := range []bool{false, true} {
		s, err := Unlock(ana.home, []byte("correct horse"), testOptions)
		if err != nil {
			t.Fatal(err)
		}
		list := keptRecord(t, s, startCells)
		for _, f := range fakes {
			id := f.Card.ID()
			if bytes.Contains(list, id[:]) || bytes.Contains(list, []byte(f.Card.Pseudonym)) {
				t.Fatalf("the kept list of cells (%d bytes) names %s", len(list), f.Card.Pseudonym)
			}
		}
		if forget {
			if err := s.db.Update(func(tx *store.Tx) error { return tx.Delete(bucketStart, nil, startDetail) }); err != nil {
				t.Fatal(err)
			}
		}
		cells, err := s.Cells()
		if err != nil || len(cells) != 1 {
			t.Fatalf("%d cells, %v", len(cells), err)
		}
		v := cells[0]
		if v.state != nil || v.detail != nil {
			t.Fatal("the view was not read from the kept list")
		}
		if len(v.Members()) != n+2 || len(v.Votes()) != n/2 || len(v.PolicyVotes()) != 1 || v.Current != n+2 {
			t.Errorf("forgotten %v: %d people, %d current, %d votes, %d votes for rules; want %d, %d, %d, 1",
				forget, len(v.Members()), v.Current, len(v.Votes()), len(v.PolicyVotes()), n+2, n+2, n/2)
		}
		if len(keptRecord(t, s, startDetail)) == 0 {
			t.Error("what the views list is not kept")
		}
		s.Close()
	}
}
