package crdt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testChecker runs this test binary as the worker (TestMain serves it).
func testChecker() *Checker {
	return &Checker{Exe: os.Args[0], Args: []string{"-test.run=^$"}}
}

func crashers(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/automerge-crashers/*.bin")
	if err != nil || len(files) == 0 {
		t.Fatalf("no crasher inputs: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		out[filepath.Base(f)] = must(os.ReadFile(f))
	}
	return out
}

func TestCheckerAcceptsValid(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	c := must(Found(a, "Cell", t0))
	must(c.Admit(a, b.Card, t0))
	ch := testChecker()
	ctx := context.Background()

	loaded, res, err := ch.LoadUntrusted(ctx, c.Save())
	if err != nil {
		t.Fatal(err)
	}
	if res.Cell != c.ID() || res.Digest != c.State().Digest() || res.Statements != 2 || res.Counted != 2 {
		t.Fatalf("result %+v", res)
	}
	heads := loaded.Heads()
	must(c.Rate(a, b.Card, rating(3, 4), t0))
	chunk := must(c.ChangesSince(heads))
	if _, err := ch.ApplyUntrusted(ctx, loaded, chunk); err != nil {
		t.Fatal(err)
	}
	if loaded.State().Digest() != c.State().Digest() {
		t.Fatal("states differ after checked apply")
	}
	must(c.Rate(a, b.Card, rating(4, 4), t0))
	if _, err := ch.MergeUntrusted(ctx, loaded, c.Save()); err != nil {
		t.Fatal(err)
	}
	if loaded.State().Digest() != c.State().Digest() {
		t.Fatal("states differ after checked merge")
	}

	// A document of another cell is refused when merged or applied.
	other := must(Found(b, "Other", t0))
	if _, err := ch.MergeUntrusted(ctx, loaded, other.Save()); err == nil {
		t.Fatal("merged another cell's document")
	}
	if _, err := ch.ApplyUntrusted(ctx, loaded, must(other.ChangesSince(nil))); err == nil {
		t.Fatal("applied another cell's changes")
	}
}

func TestCheckerCrashers(t *testing.T) {
	base := must(Found(person(t, 0), "Cell", t0)).Save()
	ch := testChecker()
	ctx := context.Background()
	for name, b := range crashers(t) {
		t.Run(name, func(t *testing.T) {
			if _, err := ch.CheckDocument(ctx, nil, b); !errors.Is(err, ErrDamaged) {
				t.Errorf("as a document: %v", err)
			}
			if _, err := ch.CheckChanges(ctx, base, b); !errors.Is(err, ErrDamaged) {
				t.Errorf("as changes: %v", err)
			}
		})
	}
}

func TestCheckerRefusesGarbage(t *testing.T) {
	ch := testChecker()
	ctx := context.Background()
	for _, b := range [][]byte{{}, []byte("hello"), must(Found(person(t, 0), "Cell", t0)).Save()[:40]} {
		if _, err := ch.CheckDocument(ctx, nil, b); !errors.Is(err, ErrDamaged) {
			t.Errorf("%q: %v", b, err)
		}
	}
	big := make([]byte, MaxDocumentSize+1)
	if _, err := ch.CheckDocument(ctx, nil, big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized: %v", err)
	}
}

func TestCheckerTimeout(t *testing.T) {
	ch := testChecker()
	ch.Timeout = time.Microsecond
	doc := must(Found(person(t, 0), "Cell", t0)).Save()
	if _, err := ch.CheckDocument(context.Background(), nil, doc); !errors.Is(err, ErrCouldNotCheck) {
		t.Fatalf("got %v, want ErrCouldNotCheck", err)
	}
}

func TestCheckerCannotStart(t *testing.T) {
	ch := &Checker{Exe: filepath.Join(t.TempDir(), "missing")}
	doc := must(Found(person(t, 0), "Cell", t0)).Save()
	if _, err := ch.CheckDocument(context.Background(), nil, doc); !errors.Is(err, ErrCouldNotCheck) {
		t.Fatalf("got %v, want ErrCouldNotCheck", err)
	}
}

// TestCheckerMemoryLimit shows the memory limit is applied in the worker
// and bites: a worker allowed 1 MiB cannot even run, and that is reported
// as "could not check", not "damaged"; with the default limit the same
// document passes.
func TestCheckerMemoryLimit(t *testing.T) {
	doc := must(Found(person(t, 0), "Cell", t0)).Save()
	ch := testChecker()
	ch.MemoryLimit = 1 << 20
	if _, err := ch.CheckDocument(context.Background(), nil, doc); !errors.Is(err, ErrCouldNotCheck) {
		t.Fatalf("got %v, want ErrCouldNotCheck", err)
	}
	ch.MemoryLimit = 0
	if _, err := ch.CheckDocument(context.Background(), nil, doc); err != nil {
		t.Fatalf("with the default limit: %v", err)
	}
}
