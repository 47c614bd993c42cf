package core

import (
	"bytes"
	"errors"
	"testing"

	"trustdesk/store"
)

// TestKeepCellsAllOrNothing: the list of cells and what its views list
// are kept in one transaction. A failure while keeping the list (a full
// disk, a kill) keeps neither, never what the views list beside a list
// of another home, and loses nothing: the next start works both out
// again, with every member, and keeps them.
func TestKeepCellsAllOrNothing(t *testing.T) {
	a := newService(t, "Ana")
	b := newService(t, "Bo")
	meet(t, a, b)
	cell, err := a.NewCell("Night")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, a, b, cell.ID)
	kept := func(key []byte) []byte {
		t.Helper()
		var v []byte
		err := a.db.View(func(tx *store.Tx) error {
			var err error
			v, err = tx.Get(bucketStart, nil, key)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := a.db.Update(func(tx *store.Tx) error {
		for _, k := range [][]byte{startCells, startDetail} {
			if err := tx.Delete(bucketStart, nil, k); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	full := errors.New("disk full")
	a.beforeKeep = func(key []byte) error {
		if bytes.Equal(key, startCells) {
			return full
		}
		return nil
	}
	if _, err := a.Cells(); err != nil {
		t.Fatal(err)
	}
	if kept(startCells) != nil || kept(startDetail) != nil {
		t.Fatal("a failure while keeping the list of cells kept part of it")
	}
	a.beforeKeep = nil
	home := a.home
	a.Close()
	s, err := Unlock(home, []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 2 { // worked out again, then read as kept
		cells, err := s.Cells()
		if err != nil || len(cells) != 1 {
			t.Fatalf("%d cells, %v", len(cells), err)
		}
		if n := len(cells[0].Members()); n != 2 {
			t.Errorf("%d people in the cell, want 2", n)
		}
	}
	a = s
	if kept(startCells) == nil || kept(startDetail) == nil {
		t.Error("the next start did not keep the list of cells and what it lists")
	}
}
