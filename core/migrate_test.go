package core

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/store"
)

var updateCells = flag.Bool("update-cells", false, "rewrite testdata/compat/home-cells-v1 (only at commit f4e8b34, which made it)")

// cellsFixture is a home made before statements were stored as their own
// records: each cell kept as one snapshot (or, older still, one plain
// document), with the state every cell showed then.
const cellsFixture = "home-cells-v1"

// cellLines describes every cell of s, one line each: id, digest of the
// derived state, heads. Sorted, so that two homes compare as text.
func cellLines(t *testing.T, s *Service) string {
	t.Helper()
	s.mu.Lock()
	cells, err := s.loadCells()
	s.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for id, c := range cells {
		d := c.State().Digest()
		var hs []string
		for _, h := range c.Heads() {
			hs = append(hs, h.String())
		}
		lines = append(lines, id.String()+" "+hex.EncodeToString(d[:])+" "+strings.Join(hs, ","))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n") + "\n"
}

// TestCellsFixtureMigrates opens the home of cellsFixture: its cells move
// to the form of today on the first open and show the same state, with
// the same heads; a sync file made for it then still goes in, and the
// migrated home opens again as it is.
func TestCellsFixtureMigrates(t *testing.T) {
	dir := filepath.Join("testdata", "compat")
	if *updateCells {
		writeCellsFixture(t, dir)
	}
	want, err := os.ReadFile(filepath.Join(dir, cellsFixture+".cells"))
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	db, err := os.ReadFile(filepath.Join(dir, cellsFixture, "trustdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(home, "trustdesk.db"), db, 0o600)
	s, err := Unlock(home, []byte("compat"), testOptions)
	if err != nil {
		t.Fatalf("the home does not open: %v", err)
	}
	if got := cellLines(t, s); got != string(want) {
		t.Fatalf("cells after the first open:\n%s\nwant:\n%s", got, want)
	}
	err = s.db.View(func(tx *store.Tx) error {
		recs, err := tx.List(bucketCell, nil)
		for _, r := range recs {
			if !crdt.IsPartsHeader(r.Value) {
				return fmt.Errorf("cell %x is not kept in parts", r.Key)
			}
		}
		if len(recs) != 3 {
			return fmt.Errorf("%d cells", len(recs))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckStorage(); err != nil {
		t.Fatal(err)
	}
	// The states derived at that first open are kept for the next.
	if n := usableKept(t, s); n != 3 {
		t.Fatalf("%d of 3 cells have a usable kept state after the first open", n)
	}
	data, err := os.ReadFile(filepath.Join(dir, cellsFixture+"-next.tdsync"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.Import(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	if sum.NewStatements != 1 || sum.Cells[0].NewRatings != 1 {
		t.Fatalf("the next file: %s", sum)
	}
	after := cellLines(t, s)
	s.Close()
	s, err = Unlock(home, []byte("compat"), testOptions)
	if err != nil {
		t.Fatalf("the migrated home does not open again: %v", err)
	}
	defer s.Close()
	if got := cellLines(t, s); got != after {
		t.Fatalf("cells after opening again:\n%s\nwant:\n%s", got, after)
	}
}

// writeCellsFixture makes cellsFixture: Bo's home with a cell Ana founded
// and shared with him (kept after two imports), a cell Bo founded and
// rated in, and a third cell kept as a plain document, the oldest form.
func writeCellsFixture(t *testing.T, dir string) {
	t.Helper()
	if homeFormat != 1 {
		t.Fatal("the fixture is a home of format 1: it was made by commit f4e8b34 and is never made again")
	}
	home := filepath.Join(dir, cellsFixture)
	os.RemoveAll(home)
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := Init(home, "Bo", []byte("compat"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	a := newService(t, "Ana")
	meet(t, a, b)
	cell, _ := a.NewCell("Night shift")
	invite(t, a, b, cell.ID)
	mustImport(t, b, mustExport(t, a, ExportRequest{To: to(b.Card().ID())}))
	a.Rate(b.Card().ID(), crdt.Rating{Safety: 5, Reliability: 4, Note: "helped me move", Day: "2026-11-01"}, nil)
	mustImport(t, b, mustExport(t, a, ExportRequest{To: to(b.Card().ID())}))
	own, err := b.NewCell("Market")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Rate(a.Card().ID(), crdt.Rating{Safety: 4, Reliability: 3}, []crdt.CellID{own.ID}); err != nil {
		t.Fatal(err)
	}
	plain, err := crdt.Found(b.me(), "Garden", b.opt.now())
	if err != nil {
		t.Fatal(err)
	}
	pid := plain.ID()
	if err := b.db.Update(func(tx *store.Tx) error { return tx.Put(bucketCell, nil, pid[:], plain.Save()) }); err != nil {
		t.Fatal(err)
	}
	b.Close()
	b, err = Unlock(home, []byte("compat"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	lines := cellLines(t, b)
	b.Close()
	a.Rate(b.Card().ID(), crdt.Rating{Safety: 4, Reliability: 4, Day: "2026-11-02"}, []crdt.CellID{cell.ID})
	next := mustExport(t, a, ExportRequest{To: to(b.Card().ID())})
	for _, extra := range []string{"trustdesk.db-wal", "trustdesk.db-shm"} {
		if _, err := os.Stat(filepath.Join(home, extra)); err == nil {
			t.Fatalf("%s left after closing: the fixture must be one file", extra)
		}
	}
	os.WriteFile(filepath.Join(dir, cellsFixture+".cells"), []byte(lines), 0o644)
	os.WriteFile(filepath.Join(dir, cellsFixture+"-next.tdsync"), next, 0o644)
}

// TestMigrationAllOrNothing: a home whose move to parts fails half way (a
// cell that cannot be read, after others were moved) is left exactly as it
// was, and refuses to open rather than open without that cell.
func TestMigrationAllOrNothing(t *testing.T) {
	dir := filepath.Join("testdata", "compat")
	home := t.TempDir()
	db, err := os.ReadFile(filepath.Join(dir, cellsFixture, "trustdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(home, "trustdesk.db"), db, 0o600)
	sdb, err := store.Open(home, []byte("compat"), testOptions.storeOptions())
	if err != nil {
		t.Fatal(err)
	}
	bad := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if err := sdb.Update(func(tx *store.Tx) error { return tx.Put(bucketCell, nil, bad, []byte("not a cell")) }); err != nil {
		t.Fatal(err)
	}
	records := func() map[string]int {
		counts := map[string]int{}
		err := sdb.View(func(tx *store.Tx) error {
			for _, b := range []string{bucketCell, bucketStatements, bucketDocument} {
				recs, err := tx.List(b, nil)
				if err != nil {
					return err
				}
				for _, r := range recs {
					if crdt.IsPartsHeader(r.Value) {
						counts[b+" in parts"]++
					}
				}
				counts[b] = len(recs)
			}
			if _, err := tx.Get(bucketSelf, nil, keyFormat); err == nil {
				counts["format"] = 1
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return counts
	}
	before := records()
	sdb.Close()
	if _, err := Unlock(home, []byte("compat"), testOptions); err == nil {
		t.Fatal("a home with a cell that cannot be read opened")
	}
	if sdb, err = store.Open(home, []byte("compat"), testOptions.storeOptions()); err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	if after := records(); fmt.Sprint(before) != fmt.Sprint(after) || before[bucketCell] != 4 || before[bucketCell+" in parts"] != 0 {
		t.Fatalf("a failed move changed the home: %v, then %v", before, after)
	}
}

// TestPartsThroughPassphraseBackupRestore: cells kept in parts read the
// same after a change of passphrase (which encrypts every record again),
// and after a backup restored elsewhere; a backup made before the move to
// parts is moved when restored.
func TestPartsThroughPassphraseBackupRestore(t *testing.T) {
	dir := filepath.Join("testdata", "compat")
	want, err := os.ReadFile(filepath.Join(dir, cellsFixture+".cells"))
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	db, err := os.ReadFile(filepath.Join(dir, cellsFixture, "trustdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(home, "trustdesk.db"), db, 0o600)

	// A backup of the home as it was, cells kept whole.
	sdb, err := store.Open(home, []byte("compat"), testOptions.storeOptions())
	if err != nil {
		t.Fatal(err)
	}
	var old bytes.Buffer
	if err := sdb.Backup(&old, []byte("old backup")); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	r, err := Restore(t.TempDir(), &old, []byte("old backup"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if got := cellLines(t, r); got != string(want) {
		t.Fatalf("cells restored from a backup made before parts:\n%s\nwant:\n%s", got, want)
	}
	r.Close()

	s, err := Unlock(home, []byte("compat"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, cellsFixture+"-next.tdsync"))
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, s, data)
	now := cellLines(t, s)
	if err := s.ChangePassphrase([]byte("new")); err != nil {
		t.Fatal(err)
	}
	var backup bytes.Buffer
	if err := s.Backup(&backup, []byte("backup")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Unlock(home, []byte("new"), testOptions); err != nil {
		t.Fatal(err)
	}
	if got := cellLines(t, s); got != now {
		t.Fatalf("cells after a change of passphrase:\n%s\nwant:\n%s", got, now)
	}
	s.Close()
	r, err = Restore(t.TempDir(), &backup, []byte("backup"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := cellLines(t, r); got != now {
		t.Fatalf("cells restored:\n%s\nwant:\n%s", got, now)
	}
}

// TestDeclineForgetsEveryPart: turning an invitation down leaves no record
// of the cell in the store, in any of its parts.
func TestDeclineForgetsEveryPart(t *testing.T) {
	a, b := newService(t, "Ana"), newService(t, "Bo")
	meet(t, a, b)
	cell, _ := a.NewCell("Night")
	if _, err := a.Admit(cell.ID, b.Card().ID()); err != nil {
		t.Fatal(err)
	}
	mustImport(t, b, mustExport(t, a, ExportRequest{To: to(b.Card().ID())}))
	count := func() int {
		n := 0
		err := b.db.View(func(tx *store.Tx) error {
			for _, bucket := range []string{bucketStatements, bucketDocument} {
				recs, err := tx.List(bucket, cell.ID[:])
				if err != nil {
					return err
				}
				n += len(recs)
			}
			for _, bucket := range []string{bucketCell, bucketState} {
				if _, err := tx.Get(bucket, nil, cell.ID[:]); err == nil {
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
	if n := count(); n < 4 {
		t.Fatalf("the invitation is kept in %d records", n)
	}
	if err := b.DeclineCell(cell.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d records of the cell left after turning it down", n)
	}
}
