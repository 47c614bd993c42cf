package core

import (
	"fmt"
	"testing"

	"trustdesk/crdt"
	"trustdesk/store"
)

// keptHome makes Ana's home with two cells shared with Bo, ratings and an
// open vote in them, and returns its folder (Ana's service closed) and
// Bo's service.
func keptHome(t *testing.T) (string, *Service) {
	t.Helper()
	home := t.TempDir()
	a, err := Init(home, "Ana", []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, c := newService(t, "Bo"), newService(t, "Cem")
	meet(t, a, b)
	meet(t, a, c)
	meet(t, b, c)
	for _, name := range []string{"Night", "Market"} {
		cell, err := b.NewCell(name)
		if err != nil {
			t.Fatal(err)
		}
		invite(t, b, a, cell.ID)
		invite(t, b, c, cell.ID)
		if _, err := b.Rate(c.Card().ID(), crdt.Rating{Safety: 5, Reliability: 4, Day: "2026-11-20", Note: "fine"}, []crdt.CellID{cell.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.VoteExclude(cell.ID, c.Card().ID()); err != nil {
			t.Fatal(err)
		}
	}
	mustImport(t, a, mustExport(t, b, ExportRequest{To: to(a.Card().ID())}))
	if _, err := a.Rate(b.Card().ID(), crdt.Rating{Safety: 4, Reliability: 4, Day: "2026-11-20"}, nil); err != nil {
		t.Fatal(err)
	}
	// What an import or a statement stores, it keeps the state of.
	if n := usableKept(t, a); n != 2 {
		t.Fatalf("%d of 2 cells have a usable kept state after an import and a rating", n)
	}
	return home, b
}

// usableKept counts the cells of s whose kept state a start would take.
func usableKept(t *testing.T, s *Service) int {
	t.Helper()
	n := 0
	err := s.db.View(func(tx *store.Tx) error {
		recs, err := tx.List(bucketCell, nil)
		if err != nil {
			return err
		}
		for _, r := range recs {
			c, err := readKept(tx, r.Key, r.Value)
			if err != nil {
				return err
			}
			if c != nil {
				n++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func unlockAna(t *testing.T, home string) *Service {
	t.Helper()
	s, err := Unlock(home, []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// shown is what a start shows of every cell: each cell's line of
// cellLines and its view as the cell list shows it.
func shown(t *testing.T, s *Service) string {
	t.Helper()
	out := cellLines(t, s)
	views, err := s.Cells()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		cp := *v
		cp.state, cp.load, cp.detail, cp.loadDetail = nil, nil, nil, nil
		out += fmt.Sprintf("%+v\n%s\n", cp, mustJSON(t, v.details()))
	}
	return out
}

// TestStartFromKeptStateMatchesDerived: a start that reads each cell's
// kept state shows what a start that reads and derives every statement
// shows, reads the statements only when needed, and goes on as it would.
func TestStartFromKeptStateMatchesDerived(t *testing.T) {
	home, b := keptHome(t)

	// A start without kept states derives every cell, and keeps them.
	a := unlockAna(t, home)
	if err := a.db.Update(func(tx *store.Tx) error {
		for _, r := range mustList(t, tx, bucketCell) {
			if err := tx.Delete(bucketState, nil, r.Key); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	derived := shown(t, a)
	if n := usableKept(t, a); n != 2 {
		t.Fatalf("a start that derived keeps %d of 2 states", n)
	}
	a.Close()

	a = unlockAna(t, home)
	if got := shown(t, a); got != derived {
		t.Fatalf("a start from kept states shows:\n%s\nderiving shows:\n%s", got, derived)
	}
	// Going on from there: a statement, an import, a restart.
	if _, err := a.Rate(b.Card().ID(), crdt.Rating{Safety: 2, Reliability: 3, Day: "2026-11-21"}, nil); err != nil {
		t.Fatal(err)
	}
	mustImport(t, b, mustExport(t, a, ExportRequest{To: to(b.Card().ID())}))
	mustImport(t, a, mustExport(t, b, ExportRequest{To: to(a.Card().ID())}))
	after := shown(t, a)
	if err := a.CheckStorage(); err != nil {
		t.Fatal(err)
	}
	a.Close()
	a = unlockAna(t, home)
	if got := shown(t, a); got != after {
		t.Fatalf("after a rating and an import, a start from kept states shows:\n%s\nwant:\n%s", got, after)
	}
	a.Close()

	// The start reads no statement: without them, it still shows every cell.
	a = unlockAna(t, home)
	if err := a.db.Update(func(tx *store.Tx) error {
		for _, r := range mustList(t, tx, bucketCell) {
			if err := tx.DeleteGroup(bucketStatements, r.Key); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := shown(t, a); got != after {
		t.Fatalf("a start from kept states read statements:\n%s", got)
	}
	a.Close()
}

func mustList(t *testing.T, tx *store.Tx, bucket string) []store.Record {
	t.Helper()
	recs, err := tx.List(bucket, nil)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestStaleKeptStateDerivedAgain: a kept state that is damaged, belongs
// to another cell or to what the cell was before is not used; the start
// derives the cell, shows what deriving shows, and keeps its state again.
func TestStaleKeptStateDerivedAgain(t *testing.T) {
	home, b := keptHome(t)
	a := unlockAna(t, home)
	var recs []store.Record
	var old [][]byte
	if err := a.db.View(func(tx *store.Tx) error {
		recs = mustList(t, tx, bucketState)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		old = append(old, r.Value)
	}
	// The state of what the cells were before Ana's rating.
	if _, err := a.Rate(b.Card().ID(), crdt.Rating{Safety: 1, Reliability: 1, Day: "2026-11-21"}, nil); err != nil {
		t.Fatal(err)
	}
	want := shown(t, a)
	a.Close()
	for i, spoil := range []func(key []byte, j int) []byte{
		func(key []byte, j int) []byte { return old[j] },                     // before the rating
		func(key []byte, j int) []byte { return old[1-j] },                   // the other cell's
		func(key []byte, j int) []byte { return []byte("not a kept state") }, // damaged
		func(key []byte, j int) []byte { return old[j][:len(old[j])/2] },     // cut
		func(key []byte, j int) []byte { return append(old[j][:0:0], 0xa5) }, // one byte
	} {
		a = unlockAna(t, home)
		if err := a.db.Update(func(tx *store.Tx) error {
			for j, r := range recs {
				if err := tx.Put(bucketState, nil, r.Key, spoil(r.Key, j)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		a.Close()
		startDerivesAgain(t, home, i, want).Close()
	}
}

// startDerivesAgain starts Ana's home after its kept states were spoiled
// (the i-th way), checks that it shows want and keeps both states again,
// and returns the service.
func startDerivesAgain(t *testing.T, home string, i int, want string) *Service {
	t.Helper()
	a := unlockAna(t, home)
	if got := shown(t, a); got != want {
		t.Fatalf("spoiled %d: a start shows:\n%s\nwant:\n%s", i, got, want)
	}
	if n := usableKept(t, a); n != 2 {
		t.Fatalf("spoiled %d: %d of 2 states kept again", i, n)
	}
	return a
}
