package crdt

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"trustdesk/identity"
	"trustdesk/internal/srcdigest"
	"trustdesk/internal/testenv"
)

// stateDiff returns where a and b differ, "" if nowhere: every field,
// unexported ones included, compared as values (a nil and an empty slice
// or map alike, times by instant).
func stateDiff(a, b *State) string {
	return valueDiff(reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem(), "State")
}

var timeType = reflect.TypeOf(time.Time{})

func valueDiff(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": nil on one side"
			}
			return ""
		}
		return valueDiff(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		if a.Type() == timeType {
			if !a.CanInterface() {
				return path + ": a time out of reach"
			}
			if !a.Interface().(time.Time).Equal(b.Interface().(time.Time)) {
				return fmt.Sprintf("%s: %v, %v", path, a.Interface(), b.Interface())
			}
			return ""
		}
		for i := range a.NumField() {
			if d := valueDiff(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d and %d elements", path, a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := valueDiff(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d and %d keys", path, a.Len(), b.Len())
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				return fmt.Sprintf("%s: key %v on one side", path, k)
			}
			if d := valueDiff(a.MapIndex(k), bv, fmt.Sprintf("%s[%v]", path, k)); d != "" {
				return d
			}
		}
	case reflect.Bool:
		if a.Bool() != b.Bool() {
			return path
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if a.Int() != b.Int() {
			return fmt.Sprintf("%s: %d, %d", path, a.Int(), b.Int())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if a.Uint() != b.Uint() {
			return fmt.Sprintf("%s: %d, %d", path, a.Uint(), b.Uint())
		}
	case reflect.String:
		if a.String() != b.String() {
			return fmt.Sprintf("%s: %q, %q", path, a.String(), b.String())
		}
	default:
		return path + ": cannot compare a " + a.Kind().String()
	}
	return ""
}

// keptRoundTrip stores c as a device does (Delta), reads it back from its
// header and kept state alone (LoadKept), and checks that the state is the
// one derived, and that the cell, asked for its statements and then
// given a new statement, reads them back and derives what c does.
func keptRoundTrip(t *testing.T, c *Cell, me *identity.Identity) {
	t.Helper()
	d := must(c.Delta())
	c.Stored(d)
	k, ok := LoadKept(d.Header, d.State)
	if !ok {
		t.Fatal("the state kept with the header is not taken")
	}
	if diff := stateDiff(c.State(), k.State()); diff != "" {
		t.Fatalf("kept state differs from the derived one at %s", diff)
	}
	parts := &Parts{Header: d.Header, Packs: d.Packs, Chunks: d.Chunks}
	k.SetPartsReload(func() (*Parts, error) { return parts, nil })
	if got, want := k.Statements(), c.Statements(); len(got) != len(want) {
		t.Fatalf("read back %d statements, want %d", len(got), len(want))
	}
	if me == nil || !c.State().IsMember(me.Card.ID()) {
		return
	}
	now := t0.Add(30 * 24 * time.Hour)
	for _, x := range []*Cell{c, k} {
		if _, err := x.SetPolicy(me, Policy{AdmitVouches: 2}, now); err != nil {
			t.Fatal(err)
		}
	}
	if diff := stateDiff(c.State(), k.State()); diff != "" {
		t.Fatalf("after a new statement, the cell read from its kept state differs at %s", diff)
	}
}

// TestKeptStateMatchesDerive: on the random histories of TestConvergence,
// a cell read from its kept state shows what deriving it shows, reads its
// statements back when asked, and goes on from there as the derived one.
func TestKeptStateMatchesDerive(t *testing.T) {
	cases := 100
	if testing.Short() || testenv.Race {
		cases = 30
	}
	person(t, 0) // makes the people the histories use
	members := 0
	for i := range cases {
		_, c, err := convergenceCase(uint64(i))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		var me *identity.Identity
		for _, p := range people[:6] {
			if c.State().IsMember(p.Card.ID()) {
				me = p
				members++
				break
			}
		}
		keptRoundTrip(t, c, me)
	}
	if members < cases/2 {
		t.Fatalf("only %d of %d histories added a statement after reading back", members, cases)
	}
}

// TestKeptStateWithGuardians: guardians in force, one named, and a
// replaced card are kept too.
func TestKeptStateWithGuardians(t *testing.T) {
	owner, _, _, _ := replaced(t)
	st := owner.State()
	if st.succ == nil || len(st.succ.sets) == 0 || len(st.Replaced) == 0 {
		t.Fatal("the cell has no guardians or no replaced card: the test proves nothing")
	}
	keptRoundTrip(t, owner, nil)
}

// keptCell returns a small cell and what storing it writes.
func keptCell(t testing.TB) (*Cell, *Delta) {
	t.Helper()
	c := must(Found(person(t, 0), "Kept", t0))
	admitJoin(c, person(t, 0), person(t, 1), t0)
	must(c.Rate(person(t, 0), person(t, 1).Card, Rating{Safety: 4, Reliability: 5, Day: "2026-11-20", Note: "ok"}, t0))
	return c, must(c.Delta())
}

// TestKeptStateStale: a state kept for another header, by other rules (a
// previous rules revision), in another form or for another cell is never
// used, and neither is one damaged anywhere, whatever the byte.
func TestKeptStateStale(t *testing.T) {
	c, d := keptCell(t)
	if _, ok := LoadKept(d.Header, d.State); !ok {
		t.Fatal("the fresh state is not taken")
	}
	// Another header: the cell changed since.
	must(c.Rate(person(t, 0), person(t, 1).Card, Rating{Safety: 1, Reliability: 1, Day: "2026-11-20"}, t0.Add(time.Minute)))
	d2 := must(c.Delta())
	if _, ok := LoadKept(d2.Header, d.State); ok {
		t.Error("a state kept for an earlier header was taken")
	}
	if _, ok := LoadKept(d.Header, d2.State); ok {
		t.Error("a state kept for a later header was taken")
	}
	// Another cell's state under this cell's header.
	_, od := keptCell(t)
	if _, ok := LoadKept(d.Header, od.State); ok {
		t.Error("another cell's state was taken")
	}
	// Other rules, another form.
	rewrite := func(change func(k *keptState)) []byte {
		var k keptState
		if err := keptDec.Unmarshal(d.State, &k); err != nil {
			t.Fatal(err)
		}
		change(&k)
		return must(snapshotEnc.Marshal(k))
	}
	previous := sha256.Sum256([]byte("rules revision 8"))
	if _, ok := LoadKept(d.Header, rewrite(func(k *keptState) { k.Rules = previous[:] })); ok {
		t.Error("a state kept by other rules was taken")
	}
	if _, ok := LoadKept(d.Header, rewrite(func(k *keptState) { k.Format = stateFormat + 1 })); ok {
		t.Error("a state kept in another form was taken")
	}
	if _, ok := LoadKept(d.Header, rewrite(func(k *keptState) {})); !ok {
		t.Error("the state written again unchanged is not taken")
	}
	// Damage: every byte changed, every length cut.
	for i := range d.State {
		b := slices.Clone(d.State)
		b[i] ^= 0x40
		if _, ok := LoadKept(d.Header, b); ok {
			t.Fatalf("a state with byte %d changed was taken", i)
		}
		if _, ok := LoadKept(d.Header, d.State[:i]); ok {
			t.Fatalf("a state cut at %d was taken", i)
		}
	}
	for _, h := range [][]byte{nil, {}, d.Header[:len(d.Header)/2], []byte("not a header")} {
		if _, ok := LoadKept(h, d.State); ok {
			t.Errorf("header %x taken", h)
		}
	}
}

// FuzzLoadKept: whatever the bytes, LoadKept answers without a crash.
func FuzzLoadKept(f *testing.F) {
	_, d := keptCell(f)
	f.Add(d.Header, d.State)
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, header, state []byte) {
		if c, ok := LoadKept(header, state); ok && c.State() == nil {
			t.Fatal("taken without a state")
		}
	})
}

// TestRulesSourceComplete: every file built into this package is in the
// rules digest, so no change to how a state is derived can leave a state
// kept by the previous rules in use.
func TestRulesSourceComplete(t *testing.T) {
	if missing, err := srcdigest.Missing(rulesSource, "."); err != nil || len(missing) > 0 {
		t.Fatalf("not in the //go:embed line of statecache.go, or changed: %v (%v)", missing, err)
	}
}

// TestReadPartsManyEntries: a stored cell of more statements than the
// CBOR library takes in one array by default (131,072) reads back (a sync
// file of 64 MiB can bring that many).
func TestReadPartsManyEntries(t *testing.T) {
	const n = 140_000
	es := make([]snapshotEntry, n)
	for i := range es {
		es[i] = snapshotEntry{Key: fmt.Sprintf("%08d", i), NotBytes: true}
	}
	pack := must(snapshotEnc.Marshal(es))
	id := CellID{1}
	header := must(snapshotEnc.Marshal(partsHeader{Version: partsVersion, Cell: id[:], Entries: n, Packs: 1, Chunks: 1}))
	c, err := LoadParts(&Parts{Header: header, Packs: []Part{{Key: PartKey(0), Value: pack}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.State().Invalid); got != n {
		t.Fatalf("%d entries read, want %d", got, n)
	}
}

// BenchmarkStart10kFromParts is what a start cost for a stored cell of
// 10,000 statements before its state was kept: decoding its packs and
// deriving it (the signature checks are recorded in the packs).
func BenchmarkStart10kFromParts(b *testing.B) {
	d := must(must(Load(big10k(b))).Delta())
	start := cpuTime()
	for b.Loop() {
		must(LoadParts(&Parts{Header: d.Header, Packs: d.Packs})).State()
	}
	reportCPU(b, start)
}

// BenchmarkStart10kFromKept is what it costs now: decoding its kept state.
func BenchmarkStart10kFromKept(b *testing.B) {
	d := must(must(Load(big10k(b))).Delta())
	start := cpuTime()
	for b.Loop() {
		if c, ok := LoadKept(d.Header, d.State); !ok || c.State().Counted != 10000 {
			b.Fatal("not taken")
		}
	}
	reportCPU(b, start)
	b.ReportMetric(float64(len(d.State)), "state-bytes")
}

// BenchmarkKeptOpenVotes2500 decodes the kept state of the cell of
// BenchmarkDeriveOpenVotes2500 (2,500 fakes, each casting an open vote).
func BenchmarkKeptOpenVotes2500(b *testing.B) {
	cell, es := freezeEntries(b, 2500)
	st := must(deriveWithin(cell, es, verifySignature, WorkLimit(len(es))))
	header := []byte("header")
	kept := must(encodeState(st, header))
	b.ResetTimer()
	start := cpuTime()
	for b.Loop() {
		if decodeState(kept, header) == nil {
			b.Fatal("not taken")
		}
	}
	reportCPU(b, start)
	b.ReportMetric(float64(len(kept)), "state-bytes")
}

// BenchmarkEncodeKept10k is what keeping the state adds to every store of
// a 10,000-statement cell (Delta encodes it with the header).
func BenchmarkEncodeKept10k(b *testing.B) {
	c := must(Load(big10k(b)))
	st, header := c.State(), []byte("header")
	start := cpuTime()
	for b.Loop() {
		must(encodeState(st, header))
	}
	reportCPU(b, start)
}
