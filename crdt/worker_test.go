package crdt

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/automerge/automerge-go"

	"trustdesk/identity"
)

// testChecker runs this test binary as the worker (TestMain serves it);
// the worker stops when the test ends, so that a long run (-count 100)
// does not gather idle workers.
func testChecker(t testing.TB) *Checker {
	ch := &Checker{Exe: os.Args[0], Args: []string{"-test.run=^$"}}
	t.Cleanup(ch.Close)
	return ch
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
	admitJoin(c, a, b, t0)
	ch := testChecker(t)
	ctx := context.Background()

	loaded, res, err := ch.LoadUntrusted(ctx, c.Save())
	if err != nil {
		t.Fatal(err)
	}
	if res.Cell != c.ID() || res.Digest != c.State().Digest() || res.Statements != 3 || res.Counted != 3 {
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
	ch := testChecker(t)
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
	ch := testChecker(t)
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
	ch := testChecker(t)
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
	ch := testChecker(t)
	ch.MemoryLimit = 1 << 20
	if _, err := ch.CheckDocument(context.Background(), nil, doc); !errors.Is(err, ErrCouldNotCheck) {
		t.Fatalf("got %v, want ErrCouldNotCheck", err)
	}
	ch.MemoryLimit = 0
	if _, err := ch.CheckDocument(context.Background(), nil, doc); err != nil {
		t.Fatalf("with the default limit: %v", err)
	}
}

// TestChunkRoots checks the header reading the worker uses for the
// single-history rule against what Automerge says about the same changes,
// for small changes and for a large one Automerge stores compressed.
func TestChunkRoots(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, b, t0)
	heads, early := c.Heads(), c.Save()
	must(c.Rate(a, b.Card, rating(3, 4), t0))
	subjects := make([]*identity.Card, 200)
	rs := make([]Rating, 200)
	for i := range subjects {
		subjects[i], rs[i] = b.Card, rating(1+i%5, 2)
	}
	must(c.RateMany(a, subjects, rs, t0))

	all := must(c.ChangesSince(nil))
	some := must(c.ChangesSince(heads))
	// automerge-go writes changes uncompressed; other implementations
	// may send the compressed form, which is checked here too.
	packed := compressChanges(t, all)
	if _, err := automerge.LoadChanges(packed); err != nil {
		t.Fatalf("Automerge refuses the compressed chunk: %v", err)
	}
	twoHistories := append(slices.Clone(some), must(must(Found(b, "Other", t0)).ChangesSince(nil))...)
	for name, tc := range map[string]struct {
		in    []byte
		roots int
		ok    bool
	}{
		"all changes":   {all, 1, true},
		"new changes":   {some, 0, true},
		"document":      {c.Save(), 0, false},
		"cut short":     {all[:len(all)-1], 0, false},
		"not a chunk":   {[]byte("not automerge at all"), 0, false},
		"empty":         {nil, 0, true},
		"two histories": {twoHistories, 1, true},
	} {
		roots, ok := chunkRoots(tc.in)
		if roots != tc.roots || ok != tc.ok {
			t.Errorf("%s: chunkRoots = %d, %v; want %d, %v", name, roots, ok, tc.roots, tc.ok)
		}
	}
	// The worker takes compressed changes and still refuses a second
	// history in them.
	ch, ctx := testChecker(t), context.Background()
	loaded := must(Load(early))
	if _, err := ch.ApplyUntrusted(ctx, loaded, compressChanges(t, some)); err != nil {
		t.Fatalf("compressed changes refused: %v", err)
	}
	if loaded.State().Digest() != c.State().Digest() {
		t.Fatal("compressed changes gave another state")
	}
	if _, err := ch.ApplyUntrusted(ctx, must(Load(early)), compressChanges(t, twoHistories)); !errors.Is(err, ErrDamaged) {
		t.Fatalf("a second history in compressed changes: %v", err)
	}
	// What Automerge says about the same chunk.
	chs := must(automerge.LoadChanges(all))
	roots := 0
	for _, ch := range chs {
		if len(ch.Dependencies()) == 0 {
			roots++
		}
	}
	if roots != 1 {
		t.Fatalf("Automerge counts %d roots", roots)
	}
	// Damaged headers never panic and never report fewer roots as ok.
	for i := range min(len(all), 600) {
		for _, bit := range []byte{1, 0x80} {
			d := slices.Clone(all)
			d[i] ^= bit
			chunkRoots(d)
		}
	}
}

// compressChanges rewrites every change chunk in b in its compressed form
// (type 2, raw DEFLATE contents, same checksum).
func compressChanges(t *testing.T, b []byte) []byte {
	var out []byte
	for len(b) > 0 {
		n, k := binary.Uvarint(b[9:])
		contents := b[9+k : 9+k+int(n)]
		var z bytes.Buffer
		w := must(flate.NewWriter(&z, flate.BestCompression))
		w.Write(contents)
		w.Close()
		out = append(out, b[:8]...)
		out = append(out, 2)
		out = binary.AppendUvarint(out, uint64(z.Len()))
		out = append(out, z.Bytes()...)
		b = b[9+k+int(n):]
	}
	return out
}

// TestCheckedChunksStayLazy checks that changes taken in through the
// worker do not load the document in this process, and that the saved
// bytes are made compact again after maxAppended chunks.
func TestCheckedChunksStayLazy(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	src := must(Found(a, "Cell", t0))
	admitJoin(src, a, b, t0)
	c := must(LoadSnapshot(must(must(Load(src.Save())).Snapshot())))
	ch, ctx := testChecker(t), context.Background()
	compacted := false
	for i := range 2 * maxAppended {
		heads := c.Heads()
		must(src.Rate(a, b.Card, rating(1+i%5, 3), t0))
		if _, err := ch.ApplyUntrusted(ctx, c, must(src.ChangesSince(heads))); err != nil {
			t.Fatal(err)
		}
		if c.doc != nil {
			t.Fatal("the document was loaded in this process")
		}
		if c.appended > maxAppended {
			t.Fatalf("%d chunks appended", c.appended)
		}
		compacted = compacted || c.appended == 0
	}
	if !compacted {
		t.Fatal("the saved bytes were never made compact")
	}
	again := must(LoadSnapshot(must(c.Snapshot())))
	if again.appended != c.appended {
		t.Fatalf("snapshot keeps %d appended chunks, want %d", again.appended, c.appended)
	}
	if must(Load(c.Save())).State().Digest() != src.State().Digest() || c.State().Digest() != src.State().Digest() {
		t.Fatal("the checked replica differs from the source")
	}
	if !slices.Equal(c.Heads(), src.Heads()) {
		t.Fatal("heads differ")
	}
}

// TestCheckerWarm checks the worker for the session started ahead of
// time: it serves the next checks, one that died while waiting is
// replaced rather than taken for a crash, and Close stops it.
func TestCheckerWarm(t *testing.T) {
	a := person(t, 0)
	doc := must(Found(a, "Cell", t0)).Save()
	ch, ctx := testChecker(t), context.Background()

	ch.Warm()
	ch.Warm() // one is enough
	ch.warming.Wait()
	first := ch.sess
	if first == nil {
		t.Fatal("Warm started no worker")
	}
	for range 2 {
		if _, _, err := ch.LoadUntrusted(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	if ch.sess != first {
		t.Fatal("the worker of the session was not used for every check")
	}

	first.p.cmd.Process.Kill()
	<-first.p.exited
	if _, _, err := ch.LoadUntrusted(ctx, doc); err != nil {
		t.Fatalf("a worker that died while waiting: %v", err)
	}

	p := ch.sess.p
	ch.Close()
	select {
	case <-p.exited:
	default:
		t.Fatal("Close left the worker running")
	}
	if ch.sess != nil {
		t.Fatal("Close left a worker")
	}
	ch.Close() // nothing running: nothing to do
}

// encode returns the answer r as the worker writes it, and fails t if it
// is not as long as r.size() said (the length that goes before it).
func encode(t *testing.T, r *workerResult) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := r.writeTo(bufio.NewWriterSize(&b, 16)); err != nil {
		t.Fatal(err)
	}
	if b.Len() != r.size() {
		t.Fatalf("the answer takes %d bytes, its size says %d", b.Len(), r.size())
	}
	return b.Bytes()
}

// TestWorkerAnswer checks the answer's encoding both ways, and that a
// damaged answer is refused without a panic.
func TestWorkerAnswer(t *testing.T) {
	want := &workerResult{
		OK: true, Cell: CellID{1, 2, 3},
		Heads:   []ChangeHash{{4}, {5}},
		Entries: []snapshotEntry{{Key: "k1", Raw: []byte("statement")}, {Key: "k2", NotBytes: true}, {Key: "", Raw: []byte{}}},
		Doc:     []byte("doc"),
	}
	b := encode(t, want)
	got, err := decodeResult(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Cell != want.Cell || !slices.Equal(got.Heads, want.Heads) || !bytes.Equal(got.Doc, want.Doc) || len(got.Entries) != 3 ||
		got.Entries[0].Key != "k1" || string(got.Entries[0].Raw) != "statement" || !got.Entries[1].NotBytes || got.Entries[2].NotBytes {
		t.Fatalf("got %+v", got)
	}
	if e, err := decodeResult(encode(t, &workerResult{Error: "bad"})); err != nil || e.OK || e.Error != "bad" {
		t.Fatalf("error answer: %+v %v", e, err)
	}
	if e, err := decodeResult(encode(t, &workerResult{NotHeld: true})); err != nil || !e.NotHeld {
		t.Fatalf("not held: %+v %v", e, err)
	}
	// A partial answer, with lengths that take more than one byte.
	long := bytes.Repeat([]byte("s"), 300)
	part := &workerResult{OK: true, Partial: true, Cell: CellID{9}, Heads: []ChangeHash{{6}}, Len: 1 << 20,
		Entries: []snapshotEntry{{Key: string(long[:200]), Raw: long}, {Key: "gone", absent: true}}, Doc: bytes.Repeat([]byte("d"), 20000)}
	if got, err := decodeResult(encode(t, part)); err != nil || !got.Partial || got.Len != part.Len || len(got.Entries) != 2 ||
		!bytes.Equal(got.Entries[0].Raw, long) || !got.Entries[1].absent || !bytes.Equal(got.Doc, part.Doc) {
		t.Fatalf("partial answer: %+v %v", got, err)
	}
	for i := range b {
		if _, err := decodeResult(b[:i]); err == nil && i > 0 {
			t.Errorf("answer cut at %d accepted", i)
		}
		d := slices.Clone(b)
		d[i] ^= 0xff
		decodeResult(d)
	}
	if _, err := decodeResult(append(slices.Clone(b), 0)); err == nil {
		t.Error("trailing byte accepted")
	}
}

// TestMissingPast: changes that build on changes a device does not hold
// are refused with ErrMissingPast, compressed or not, whether the device
// holds the cell or not, and nothing is taken in; the same changes with
// what they build on are taken in. chunkHashes reads the hashes Automerge
// gives the changes.
func TestMissingPast(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, b, t0)
	early, h1 := c.Save(), c.Heads()
	must(c.Rate(a, b.Card, rating(3, 4), t0))
	h2 := c.Heads()
	must(c.Rate(b, a.Card, rating(5, 5), t0))

	all := must(c.ChangesSince(nil))
	for name, chunk := range map[string][]byte{"plain": all, "compressed": compressChanges(t, all)} {
		hashes, ok := chunkHashes(chunk)
		if !ok || len(hashes) != len(must(automerge.LoadChanges(all))) {
			t.Fatalf("%s: chunkHashes = %d, %v", name, len(hashes), ok)
		}
		for i, ch := range must(automerge.LoadChanges(all)) {
			if hashes[i] != ch.Hash() {
				t.Fatalf("%s: change %d: hash %x, Automerge says %x", name, i, hashes[i], ch.Hash())
			}
		}
	}
	if _, ok := chunkHashes(all[:len(all)-1]); ok {
		t.Fatal("a chunk cut short is read")
	}

	ch, ctx := testChecker(t), context.Background()
	later := must(c.ChangesSince(h2)) // builds on h2, which early lacks
	for name, chunk := range map[string][]byte{"plain": later, "compressed": compressChanges(t, later)} {
		base := must(Load(early))
		if _, err := ch.Extend(ctx, base, chunk); !errors.Is(err, ErrMissingPast) {
			t.Fatalf("%s: Extend = %v, want ErrMissingPast", name, err)
		}
		if _, _, err := ch.LoadUntrusted(ctx, chunk); !errors.Is(err, ErrMissingPast) {
			t.Fatalf("%s: LoadUntrusted = %v, want ErrMissingPast", name, err)
		}
	}
	got, err := ch.Extend(ctx, must(Load(early)), must(c.ChangesSince(h1)))
	if err != nil || got.State().Digest() != c.State().Digest() {
		t.Fatalf("the changes with their past: %v", err)
	}
}

// TestChunkHeads: the heads read from a chunk of changes (what the
// worker asks Automerge for to know every change was taken in) are the
// heads Automerge gives the document they make, with two lines of
// changes made apart, compressed or not. TestMissingPast checks that a
// chunk whose past is missing is still refused.
func TestChunkHeads(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, b, t0)
	other := must(c.Clone())
	must(c.Rate(a, b.Card, rating(3, 4), t0))
	must(c.Rate(a, b.Card, rating(4, 4), t0))
	must(other.Rate(b, a.Card, rating(5, 5), t0))
	if err := c.Merge(other); err != nil {
		t.Fatal(err)
	}
	if len(c.Heads()) != 2 {
		t.Fatalf("%d heads, want 2", len(c.Heads()))
	}
	all := must(c.ChangesSince(nil))
	for name, chunk := range map[string][]byte{"plain": all, "compressed": compressChanges(t, all)} {
		heads, ok := chunkHeadHashes(chunk)
		if !ok {
			t.Fatalf("%s: not read", name)
		}
		got := make([]ChangeHash, len(heads))
		for i, h := range heads {
			got[i] = ChangeHash(h)
		}
		slices.SortFunc(got, func(x, y ChangeHash) int { return bytes.Compare(x[:], y[:]) })
		want := slices.Clone(c.Heads())
		slices.SortFunc(want, func(x, y ChangeHash) int { return bytes.Compare(x[:], y[:]) })
		if !slices.Equal(got, want) {
			t.Fatalf("%s: heads %x, want %x", name, got, want)
		}
	}

}

// chunkHashes returns the hashes of the changes in a sequence of change
// chunks, read from the chunks themselves (chunks.go), as the worker's
// chunkHeadHashes does for the heads; ok is false as for it. Tests compare
// them with the hashes Automerge gives.
func chunkHashes(b []byte) (hashes []automerge.ChangeHash, ok bool) {
	chunks, ok := changeChunks(b)
	if !ok {
		return nil, false
	}
	for _, c := range chunks {
		h, ok := c.hash()
		if !ok {
			return nil, false
		}
		hashes = append(hashes, automerge.ChangeHash(h))
	}
	return hashes, true
}

// TestWorkerCountsRootsOfNewCell: a new cell's bytes (no base) must hold
// one history, whether they come as a document or as changes: the worker
// counts the changes without dependencies by walking the history from
// its heads, and finds what Automerge's list of all changes says.
func TestWorkerCountsRootsOfNewCell(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, b, t0)
	must(c.Rate(a, b.Card, rating(4, 4), t0))
	other := must(Found(b, "Other", t0))
	one := must(automerge.Load(c.Save()))
	two := must(automerge.Load(c.Save()))
	if _, err := two.Merge(must(automerge.Load(other.Save()))); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		doc   *automerge.Doc
		roots int
	}{{"one history", one, 1}, {"two histories", two, 2}} {
		want := 0
		for _, ch := range must(tc.doc.Changes()) {
			if len(ch.Dependencies()) == 0 {
				want++
			}
		}
		if got := must(countRoots(tc.doc)); got != want || got != tc.roots {
			t.Errorf("%s: %d roots counted, Automerge lists %d", tc.name, got, want)
		}
		var chunk []byte
		for _, ch := range must(tc.doc.Changes()) {
			chunk = append(chunk, ch.Save()...)
		}
		for form, in := range map[string][]byte{"document": tc.doc.Save(), "changes": chunk} {
			_, _, err := check(&request{input: in})
			if tc.roots == 1 && err != nil || tc.roots != 1 && !errors.Is(err, ErrWrongCell) {
				t.Errorf("%s as %s: %v", tc.name, form, err)
			}
		}
	}
}
