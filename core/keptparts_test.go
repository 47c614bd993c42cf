package core

import (
	"bytes"
	"slices"
	"testing"

	"trustdesk/crdt"
	"trustdesk/store"
)

// rateFromCommandLine rates Bo in every cell of Ana's home as a command
// of the command line does: a service of its own, closed after.
func rateFromCommandLine(t *testing.T, home string, b *Service, i int) {
	t.Helper()
	a := unlockAna(t, home)
	defer a.Close()
	if _, err := a.Rate(b.Card().ID(), crdt.Rating{Safety: 1 + i%5, Reliability: 1 + i%3, Day: "2026-11-21"}, nil); err != nil {
		t.Fatal(err)
	}
}

// stateParts returns how many parts each cell's kept state has, by cell.
func stateParts(t *testing.T, s *Service) map[string]int {
	t.Helper()
	out := map[string]int{}
	if err := s.db.View(func(tx *store.Tx) error {
		for _, r := range mustList(t, tx, bucketCell) {
			recs, err := tx.List(bucketStateParts, r.Key)
			if err != nil {
				return err
			}
			out[string(r.Key)] = len(recs)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// derivedShown is what a start of home shows when it derives every cell
// (its kept states and their parts removed first); it keeps them again.
func derivedShown(t *testing.T, home string) string {
	t.Helper()
	a := unlockAna(t, home)
	defer a.Close()
	eachCell(t, a, func(tx *store.Tx, cell []byte) error {
		if err := tx.Delete(bucketState, nil, cell); err != nil {
			return err
		}
		return tx.DeleteGroup(bucketStateParts, cell)
	})
	a.Close()
	a = unlockAna(t, home)
	return shown(t, a)
}

// eachCell calls f with every stored cell's id, in one transaction.
func eachCell(t *testing.T, s *Service, f func(tx *store.Tx, cell []byte) error) {
	t.Helper()
	if err := s.db.Update(func(tx *store.Tx) error {
		for _, r := range mustList(t, tx, bucketCell) {
			if err := f(tx, r.Key); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestKeptStateParts: ratings made from the command line keep what they
// add to each cell's kept state as one part each, a start from the state
// and its parts shows what deriving shows, and the 17th writes the state
// whole again (at most maxStateParts parts).
func TestKeptStateParts(t *testing.T) {
	home, b := keptHome(t)
	for i := range 3 {
		rateFromCommandLine(t, home, b, i)
	}
	a := unlockAna(t, home)
	for cell, n := range stateParts(t, a) {
		if n != 4 { // keptHome's rating after the import, and these 3
			t.Fatalf("cell %x: %d parts after 4 ratings, want 4", cell, n)
		}
	}
	if n := usableKept(t, a); n != 2 {
		t.Fatalf("%d of 2 kept states with parts usable", n)
	}
	got := shown(t, a)
	a.Close()
	if want := derivedShown(t, home); got != want {
		t.Fatalf("a start from kept states with parts shows:\n%s\nderiving shows:\n%s", got, want)
	}
	// Derived again, each state is whole; then parts up to the bound.
	for i := range 17 {
		rateFromCommandLine(t, home, b, i)
		a := unlockAna(t, home)
		want := (i + 1) % 17
		for cell, n := range stateParts(t, a) {
			if n != want {
				t.Fatalf("rating %d: cell %x has %d parts, want %d", i+1, cell, n, want)
			}
		}
		if n := usableKept(t, a); n != 2 {
			t.Fatalf("rating %d: %d of 2 kept states usable", i+1, n)
		}
		a.Close()
	}
	a = unlockAna(t, home)
	got = shown(t, a)
	a.Close()
	if want := derivedShown(t, home); got != want {
		t.Fatalf("after 17 ratings, a start from kept states shows:\n%s\nderiving shows:\n%s", got, want)
	}
}

// TestSpoiledStatePartIgnored: a part of a kept state that is damaged,
// missing, out of order, of the other cell or repeated is not used: the
// start derives the cell, shows what deriving shows and keeps its state
// whole again, without parts.
func TestSpoiledStatePartIgnored(t *testing.T) {
	home, b := keptHome(t)
	for i := range 3 {
		rateFromCommandLine(t, home, b, i)
	}
	a := unlockAna(t, home)
	want := shown(t, a)
	var cells [][]byte
	parts := map[string][]store.Record{}
	if err := a.db.View(func(tx *store.Tx) error {
		for _, r := range mustList(t, tx, bucketCell) {
			cells = append(cells, r.Key)
			recs, err := tx.List(bucketStateParts, r.Key)
			if err != nil {
				return err
			}
			parts[string(r.Key)] = recs
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	other := func(j int) []store.Record { return parts[string(cells[1-j])] }
	for i, spoil := range []func(tx *store.Tx, j int, ps []store.Record) error{
		func(tx *store.Tx, j int, ps []store.Record) error { // damaged
			return tx.Put(bucketStateParts, cells[j], ps[1].Key, []byte("not a part"))
		},
		func(tx *store.Tx, j int, ps []store.Record) error { // one byte changed
			v := append([]byte(nil), ps[2].Value...)
			v[len(v)-40] ^= 1
			return tx.Put(bucketStateParts, cells[j], ps[2].Key, v)
		},
		func(tx *store.Tx, j int, ps []store.Record) error { // the middle one missing
			return tx.Delete(bucketStateParts, cells[j], ps[1].Key)
		},
		func(tx *store.Tx, j int, ps []store.Record) error { // the last one missing
			return tx.Delete(bucketStateParts, cells[j], ps[len(ps)-1].Key)
		},
		func(tx *store.Tx, j int, ps []store.Record) error { // two swapped
			if err := tx.Put(bucketStateParts, cells[j], ps[0].Key, ps[1].Value); err != nil {
				return err
			}
			return tx.Put(bucketStateParts, cells[j], ps[1].Key, ps[0].Value)
		},
		func(tx *store.Tx, j int, ps []store.Record) error { // the other cell's
			return tx.Put(bucketStateParts, cells[j], ps[2].Key, other(j)[2].Value)
		},
		func(tx *store.Tx, j int, ps []store.Record) error { // one more, repeated
			return tx.Put(bucketStateParts, cells[j], crdt.PartKey(len(ps)), ps[len(ps)-1].Value)
		},
	} {
		a = unlockAna(t, home)
		eachCell(t, a, func(tx *store.Tx, cell []byte) error {
			if err := tx.DeleteGroup(bucketStateParts, cell); err != nil {
				return err
			}
			ps := parts[string(cell)]
			for _, p := range ps {
				if err := tx.Put(bucketStateParts, cell, p.Key, p.Value); err != nil {
					return err
				}
			}
			return spoil(tx, slices.IndexFunc(cells, func(c []byte) bool { return bytes.Equal(c, cell) }), ps)
		})
		if n := usableKept(t, a); n != 0 {
			t.Fatalf("spoiled %d: %d of 2 kept states taken", i, n)
		}
		a.Close()
		a = startDerivesAgain(t, home, i, want)
		for cell, n := range stateParts(t, a) {
			if n != 0 {
				t.Fatalf("spoiled %d: cell %x kept again with %d parts", i, cell, n)
			}
		}
		a.Close()
	}
}
