package core

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/internal/workergate"
	"trustdesk/store"
)

// copyHome copies the home in dir (closed) to a new folder and returns it.
func copyHome(t testing.TB, dir string) string {
	t.Helper()
	home := t.TempDir()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

// preparedHomes returns a closed home of Bo's that holds a cell of Ana's,
// and a sync file from Ana with 10 new statements of it for Bo.
func preparedHomes(t *testing.T) (home string, cell crdt.CellID, file []byte) {
	t.Helper()
	a, b := newService(t, "Ana"), newService(t, "Bo")
	meet(t, a, b)
	c, err := a.NewCell("Market")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, a, b, c.ID)
	for range 10 {
		if _, err := a.Rate(b.Card().ID(), crdt.Rating{Safety: 4, Reliability: 5}, []crdt.CellID{c.ID}); err != nil {
			t.Fatal(err)
		}
	}
	file = mustExport(t, a, ExportRequest{To: to(b.Card().ID())})
	home = b.Home()
	b.Close()
	return home, c.ID, file
}

func unlock(t *testing.T, home string, opt Options) *Service {
	t.Helper()
	s, err := Unlock(home, []byte("correct horse"), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestPrepareStopsOnClose closes a home while the checking worker is held
// up loading a cell's document for Prepare: Prepare returns, leaving no
// goroutine behind, and notes no failure.
func TestPrepareStopsOnClose(t *testing.T) {
	home, _, _ := preparedHomes(t)
	g := workergate.New(t)
	opt := testOptions
	opt.Checker = &crdt.Checker{Env: g.Env()}
	t.Cleanup(opt.Checker.Close)
	s := unlock(t, home, opt)
	if _, err := s.Cells(); err != nil { // as the app's screens do
		t.Fatal(err)
	}
	goroutines := runtime.NumGoroutine()
	done := make(chan struct{})
	go func() {
		s.Prepare(context.Background())
		close(done)
	}()
	g.Waiting()
	s.Close()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Prepare did not stop when the home closed")
	}
	if s.prepared.held != 0 || s.prepared.err != nil {
		t.Fatalf("prepared %d cells (%v) before the close, want 0 and no failure", s.prepared.held, s.prepared.err)
	}
	for deadline := time.Now().Add(time.Minute); runtime.NumGoroutine() > goroutines; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left, %d before Prepare", runtime.NumGoroutine(), goroutines)
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.Prepare(context.Background()) // closed: does nothing
}

// TestImportRacingPrepare takes a sync file in while the home prepares,
// at different moments, and without preparing: the summaries, the cells
// and what the homes hold when opened again are the same.
func TestImportRacingPrepare(t *testing.T) {
	home, cell, file := preparedHomes(t)
	plain := unlock(t, copyHome(t, home), testOptions)
	want := mustImport(t, plain, file)
	wantHome := digest(t, plain)
	for _, wait := range []time.Duration{0, time.Millisecond, 20 * time.Millisecond, -1} {
		s := unlock(t, copyHome(t, home), testOptions)
		prepared := make(chan struct{})
		go func() {
			s.Prepare(context.Background())
			close(prepared)
		}()
		if wait < 0 {
			<-prepared
			if s.prepared.held != 1 || s.prepared.err != nil {
				t.Fatalf("prepared %d cells (%v), want 1", s.prepared.held, s.prepared.err)
			}
		} else {
			time.Sleep(wait)
		}
		got := mustImport(t, s, file)
		<-prepared
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(digest(t, s), wantHome) {
			t.Fatalf("import %v after Prepare began: %+v, want %+v", wait, got, want)
		}
		dir := s.Home()
		s.Close()
		again := unlock(t, dir, testOptions)
		if !reflect.DeepEqual(digest(t, again), wantHome) {
			t.Fatalf("import %v after Prepare began: the home opened again differs", wait)
		}
		doc, err := again.CellDocument(cell)
		if err != nil || len(doc) == 0 {
			t.Fatalf("the cell's document after the import: %v", err)
		}
	}
}

// TestPrepareDamagedCell prepares a home whose stored cell document
// crashes the checking worker: the failure is noted, nothing stored or
// shown changes, and the import of a file for that cell fails as it does
// without preparing.
func TestPrepareDamagedCell(t *testing.T) {
	home, cell, file := preparedHomes(t)
	crashers, err := filepath.Glob("../crdt/testdata/automerge-crashers/*.bin")
	if err != nil || len(crashers) == 0 {
		t.Fatalf("no crasher inputs: %v", err)
	}
	bad, err := os.ReadFile(crashers[0])
	if err != nil {
		t.Fatal(err)
	}
	s := unlock(t, home, testOptions)
	err = s.db.Update(func(tx *store.Tx) error {
		recs, err := tx.List(bucketDocument, cell[:])
		if err != nil || len(recs) == 0 {
			return errors.Join(err, errors.New("no document stored"))
		}
		return tx.Put(bucketDocument, cell[:], recs[0].Key, bad)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	home2 := copyHome(t, home)

	s = unlock(t, home, testOptions)
	records := storedCells(t, s)
	shown := digest(t, s)
	s.Prepare(context.Background())
	if s.prepared.held != 0 || !errors.Is(s.prepared.err, crdt.ErrDamaged) {
		t.Fatalf("prepared %d cells (%v), want a damaged cell noted", s.prepared.held, s.prepared.err)
	}
	if !reflect.DeepEqual(storedCells(t, s), records) || !reflect.DeepEqual(digest(t, s), shown) {
		t.Fatal("preparing a damaged cell changed the home")
	}
	_, gotErr := s.Import(ctx, file)
	_, wantErr := unlock(t, home2, testOptions).Import(ctx, file)
	if gotErr == nil || wantErr == nil || gotErr.Error() != wantErr.Error() {
		t.Fatalf("import after preparing: %v; without: %v", gotErr, wantErr)
	}
}

// storedCells returns every record of the one cell s holds.
func storedCells(t *testing.T, s *Service) map[string][]store.Record {
	t.Helper()
	out := map[string][]store.Record{}
	err := s.db.View(func(tx *store.Tx) error {
		headers, err := tx.List(bucketCell, nil)
		out[bucketCell] = headers
		for _, h := range headers {
			for _, b := range []string{bucketStatements, bucketDocument} {
				recs, err := tx.List(b, h.Key)
				if err != nil {
					return err
				}
				out[b+" "+string(h.Key)] = recs
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || len(out[bucketDocument+" "+string(out[bucketCell][0].Key)]) == 0 {
		t.Fatalf("want one cell stored, with its document: %d lists", len(out))
	}
	return out
}
