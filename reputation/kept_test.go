package reputation

import (
	"encoding/json"
	"slices"
	"testing"

	"trustdesk/internal/srcdigest"
)

// TestSourceComplete: every file built into this package is in its
// source digest, so a Result kept by other code is never used.
func TestSourceComplete(t *testing.T) {
	if missing, err := srcdigest.Missing(source, "."); err != nil || len(missing) > 0 {
		t.Fatalf("not in the //go:embed line of kept.go, or changed: %v (%v)", missing, err)
	}
}

// TestKeptAnswersAsComputed: on random worlds, a Result made from what
// was kept of another, encoded and decoded, gives the same scores (as the
// screens and the command line write them) for the people kept and for
// everyone else, the same flagged first and in all, and computes the
// whole Result only when asked for what was not kept.
func TestKeptAnswersAsComputed(t *testing.T) {
	for seed := range uint64(6) {
		in := generate(seed, 300, 6, 3000)
		r := Compute(in)
		ids := r.IDs()
		keep := append(ids[:len(ids)/10:len(ids)/10], "not anyone")
		k := r.Keep(keep, 3)
		b, err := EncodeKept(k)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeKept(b)
		if err != nil {
			t.Fatal(err)
		}
		computed := 0
		kr := FromKept(back, func() *Result { computed++; return Compute(in) })
		for _, id := range keep {
			if got, want := js(t, kr.Person(id)), js(t, r.Person(id)); got != want {
				t.Fatalf("seed %d: kept score of %s:\n%s\nwant\n%s", seed, id, got, want)
			}
		}
		first, total := kr.FlaggedFirstN(3)
		all := r.FlaggedFirst()
		if !slices.Equal(first, all[:min(3, len(all))]) || total != len(all) {
			t.Fatalf("seed %d: kept flagged first %v of %d, want %v of %d", seed, first, total, all[:min(3, len(all))], len(all))
		}
		if computed != 0 {
			t.Fatalf("seed %d: computed in full %d times for what was kept", seed, computed)
		}
		if len(all) > 3 {
			if first, _ := kr.FlaggedFirstN(4); !slices.Equal(first, all[:4]) {
				t.Fatalf("seed %d: flagged first 4 = %v, want %v", seed, first, all[:4])
			}
		}
		if got, want := js(t, kr.Person(ids[len(ids)-1])), js(t, r.Person(ids[len(ids)-1])); got != want {
			t.Fatalf("seed %d: score not kept: %s, want %s", seed, got, want)
		}
		if string(scoresJSON(t, kr)) != string(scoresJSON(t, r)) || !slices.Equal(kr.IDs(), ids) || !slices.Equal(kr.Flagged(), r.Flagged()) {
			t.Fatalf("seed %d: everyone's scores differ from the whole Result's", seed)
		}
		if computed != 1 {
			t.Fatalf("seed %d: computed in full %d times, want once", seed, computed)
		}
	}
}

func js(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzDecodeKept: whatever the bytes, DecodeKept returns a Kept or an
// error, never a panic; what it returns encodes again.
func FuzzDecodeKept(f *testing.F) {
	r := Compute(generate(1, 300, 3, 600))
	for _, n := range []int{0, 2, 100} {
		b, err := EncodeKept(r.Keep(r.IDs()[:min(n, len(r.IDs()))], n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0xa2, 0x01, 0x01, 0x02, 0xf6})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := DecodeKept(b)
		if err != nil {
			return
		}
		kr := FromKept(k, func() *Result { return nil })
		for id := range k.Scores {
			kr.Person(id)
		}
		kr.FlaggedFirstN(len(k.Flagged))
		if _, err := EncodeKept(k); err != nil {
			t.Fatalf("a decoded Kept does not encode: %v", err)
		}
	})
}
