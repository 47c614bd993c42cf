package core

import (
	"bytes"
	"testing"

	"trustdesk/crdt"
	"trustdesk/store"
)

// TestKeptCellsWithoutNotCounted: a member's sync file full of entries
// that do not count leaves the list of cells a start reads as small as
// before; the entries are read from the cell when asked for. Before, the
// kept list held each of them, with why: 30,000 made every later start
// decode 7.8 MB (BenchmarkHuntInvalid30000: 205 ms of processor time
// against 23 ms for the same cell without them).
func TestKeptCellsWithoutNotCounted(t *testing.T) {
	const n = 200
	ana := newService(t, "Ana")
	mustImport(t, ana, bosCellFile(t, ana, n, ratedAfterLeaving(10)))
	ana.Close()
	s, err := Unlock(ana.home, []byte("correct horse"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var kept []byte
	err = s.db.View(func(tx *store.Tx) error {
		var err error
		kept, err = tx.Get(bucketStart, nil, startCells)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cells, err := s.Cells()
	if err != nil || len(cells) != 1 {
		t.Fatalf("%d cells, %v", len(cells), err)
	}
	v := cells[0]
	if v.state != nil {
		t.Fatal("the view was not read from the kept list")
	}
	entries := v.NotCountedEntries()
	if v.NotCounted != n || len(entries) != n {
		t.Fatalf("%d entries do not count, %d listed; want %d", v.NotCounted, len(entries), n)
	}
	for _, r := range entries {
		if r.Reason != crdt.ReasonLeft {
			t.Fatalf("an entry does not count because %q", r.Reason)
		}
		if bytes.Contains(kept, []byte(r.Key)) || bytes.Contains(kept, r.ID[:]) {
			t.Fatalf("the kept list of cells (%d bytes) holds an entry that does not count", len(kept))
		}
	}
}
