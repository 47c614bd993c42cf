package crdt

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestSnapshotRoundTrip(t *testing.T) {
	a, m, x := person(t, 0), person(t, 1), person(t, 2)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, m, t0)
	must(c.Rate(a, x.Card, rating(2, 3), t0))
	snap := must(c.Snapshot())

	s := must(LoadSnapshot(snap))
	if s.ID() != c.ID() || s.State().Digest() != c.State().Digest() {
		t.Fatal("the snapshot shows another cell")
	}
	if !bytes.Equal(s.Save(), c.Save()) || len(s.Heads()) != len(c.Heads()) || s.Heads()[0] != c.Heads()[0] {
		t.Fatal("a snapshot's document or heads differ before it is loaded")
	}
	// Everything that needs the document loads it on the way.
	clone := must(s.Clone())
	must(clone.Rate(m, x.Card, rating(5, 5), t0))
	chunk := must(clone.ChangesSince(s.Heads()))
	if err := s.ApplyChanges(chunk); err != nil {
		t.Fatal(err)
	}
	if s.State().Digest() != clone.State().Digest() || len(s.State().Ratings) != 2 {
		t.Fatalf("after applying changes: %d ratings", len(s.State().Ratings))
	}
	if _, _, err := must(LoadSnapshot(snap)).ChangesMissing([][]ChangeHash{c.Heads()}); err != nil {
		t.Fatal(err)
	}
	other := must(LoadSnapshot(snap))
	if err := other.Merge(clone); err != nil || other.State().Digest() != clone.State().Digest() {
		t.Fatalf("merge into a snapshot: %v", err)
	}
	// The document loaded from a snapshot is the real one.
	if must(Load(s.Save())).State().Digest() != s.State().Digest() {
		t.Fatal("the saved document of a snapshot differs")
	}
}

// A snapshot keeps the signature checks: a statement recorded as checked is
// not checked again, and one recorded as bad stays bad.
func TestSnapshotKeepsChecks(t *testing.T) {
	a, x := person(t, 0), person(t, 2)
	c := must(Found(a, "Cell", t0))
	must(c.Rate(a, x.Card, rating(2, 3), t0))
	s := must(LoadSnapshot(must(c.Snapshot())))
	s.mu.Lock()
	checked := 0
	for _, e := range s.entries {
		e.decode() // entries are decoded when needed (entriesOf)
		if e.sig == 1 {
			checked++
		}
	}
	s.mu.Unlock()
	if checked != len(c.Statements()) {
		t.Fatalf("%d of %d statements arrive checked", checked, len(c.Statements()))
	}
}

func TestSnapshotRefusesJunk(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("junk"), {0xa1, 0x01, 0x02}} {
		if _, err := LoadSnapshot(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("LoadSnapshot(%x): %v", b, err)
		}
	}
}

// TestSetReload checks a cell that does not keep its document: it fetches
// it when needed, and refuses a stored cell that is not the one it was.
func TestSetReload(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	src := must(Found(a, "Cell", t0))
	admitJoin(src, a, b, t0)
	snap := must(src.Snapshot())
	later := must(src.Clone())
	must(later.Rate(a, b.Card, rating(3, 3), t0))
	newer := must(later.Snapshot())

	c := must(LoadSnapshot(snap))
	fetches := 0
	stored := snap
	c.SetReload(func() ([]byte, error) { fetches++; return stored, nil })
	if c.saved != nil {
		t.Fatal("the document is still kept")
	}
	if got := must(c.Document()); must(Load(got)).State().Digest() != src.State().Digest() {
		t.Fatal("fetched document differs")
	}
	if _, err := c.Snapshot(); err != nil || fetches != 2 {
		t.Fatalf("snapshot: %v after %d fetches", err, fetches)
	}

	// The store now holds another version: refused, not used.
	stored = newer
	if _, err := c.Document(); !errors.Is(err, ErrStoreMoved) {
		t.Fatalf("a newer stored cell: %v", err)
	}
	if _, err := c.ChangesSince(nil); !errors.Is(err, ErrStoreMoved) {
		t.Fatalf("a newer stored cell: %v", err)
	}
	c.SetReload(func() ([]byte, error) { return nil, errors.New("disk gone") })
	if _, err := c.Document(); err == nil {
		t.Fatal("a failed fetch gave a document")
	}
	if c.Save() != nil {
		t.Fatal("Save gave bytes without a document")
	}

	// Once fetched and loaded, the document stays and the fetcher is dropped.
	stored = snap
	c.SetReload(func() ([]byte, error) { return stored, nil })
	must(c.Rate(a, b.Card, rating(5, 5), t0))
	if c.doc == nil || c.reload != nil {
		t.Fatal("a loaded cell still fetches")
	}
	c.SetReload(func() ([]byte, error) { return nil, errors.New("unused") })
	if c.reload != nil {
		t.Fatal("SetReload took the document of a loaded cell away")
	}
}

// TestRest checks a cell that dropped its statements: it shows the same
// state, reads them back for every use that needs them, and refuses a
// stored cell that is not the one it was.
func TestRest(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	src := must(Found(a, "Cell", t0))
	admitJoin(src, a, b, t0)
	must(src.Rate(a, b.Card, rating(2, 3), t0))
	snap := must(src.Snapshot())
	stored := snap
	load := func() *Cell {
		c := must(LoadSnapshot(snap))
		c.SetReload(func() ([]byte, error) { return stored, nil })
		c.Rest()
		if c.entries != nil || c.saved != nil {
			t.Fatal("the cell did not rest")
		}
		return c
	}
	want := src.State().Digest()

	c := load()
	if c.State().Digest() != want || len(c.State().Ratings) != 1 {
		t.Fatal("a resting cell shows another state")
	}
	if n := len(c.Statements()); n != 4 {
		t.Fatalf("%d statements read back, want 4", n)
	}
	for name, use := range map[string]func(c *Cell) error{
		"rate": func(c *Cell) error { _, err := c.Rate(a, b.Card, rating(5, 5), t0); return err },
		"clone": func(c *Cell) error {
			k, err := c.Clone()
			if err == nil && k.State().Digest() != want {
				err = errors.New("clone differs")
			}
			return err
		},
		"export":   func(c *Cell) error { _, err := c.ChangesSince(nil); return err },
		"snapshot": func(c *Cell) error { _, err := c.Snapshot(); return err },
		"import": func(c *Cell) error {
			return c.ApplyChanges(must(src.ChangesSince(nil)))
		},
		"checked import": func(c *Cell) error {
			_, err := testChecker(t).ApplyUntrusted(context.Background(), c, must(src.ChangesSince(nil)))
			return err
		},
	} {
		c := load()
		if err := use(c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := len(c.Statements()); n < 3 {
			t.Fatalf("%s: %d statements afterwards", name, n)
		}
	}
	// Resting, then export (which loads the document), then a change.
	c = load()
	must(c.ChangesSince(nil))
	must(c.Rate(a, b.Card, rating(1, 1), t0))

	// The store holds another version: refused.
	c = load()
	later := must(src.Clone())
	must(later.Rate(a, b.Card, rating(4, 4), t0))
	stored = must(later.Snapshot())
	if _, err := c.Rate(a, b.Card, rating(5, 5), t0); !errors.Is(err, ErrStoreMoved) {
		t.Fatalf("a newer stored cell: %v", err)
	}
	if c.State().Digest() != want {
		t.Fatal("a failed read back changed the state")
	}
}
