package reputation

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// sourceWorld returns a random world for the Source tests: generate's,
// with ratings made after now (some by people who appear nowhere else,
// about people who appear nowhere else), tags nil, empty and not, a
// name and a rating id that are not hexadecimal, and people blocked who
// appear nowhere else.
func sourceWorld(seed uint64) *Input {
	in := generate(seed, 200, 5, 2000)
	rng := rand.New(rand.NewPCG(seed, 7))
	in.Names[pid("only named")] = "Zoë ∂"
	in.Blocked = append(in.Blocked, pid("only blocked"), "")
	for c := range in.Cells {
		rs := in.Cells[c].Ratings
		for i := range rs {
			switch rng.IntN(8) {
			case 0:
				rs[i].Made = now.Add(time.Duration(rng.Int64N(5*24*3600)) * time.Second)
			case 1:
				rs[i].Tags = []string{}
			case 2:
				rs[i].Tags = []string{"late", "kind"}
			}
		}
		for k := range 3 {
			r := rs[rng.IntN(len(rs))]
			r.ID = fmt.Sprintf("not hex %d %d", c, k)
			r.Made = now.Add(time.Duration(k) * 20 * time.Hour)
			r.Subject = pid(fmt.Sprintf("only rated %d %d", c, k))
			if k == 2 {
				r.Rater = pid(fmt.Sprintf("only rating %d", c))
			}
			in.Cells[c].Ratings = append(in.Cells[c].Ratings, r)
		}
	}
	return in
}

// computedWithout returns Compute of in with the ratings made after
// madeBy left out (none if it is zero): what a Source must give.
func computedWithout(in *Input, madeBy time.Time) *Result {
	out := *in
	out.Cells = make([]Cell, len(in.Cells))
	for c, cell := range in.Cells {
		cell.Ratings = slices.DeleteFunc(slices.Clone(cell.Ratings), func(r Rating) bool { return !madeBy.IsZero() && r.Made.After(madeBy) })
		out.Cells[c] = cell
	}
	return Compute(&out)
}

// sameResult fails t unless got answers as want: everyone's scores as
// the screens and the command line write them, who is known, and the
// flagged first.
func sameResult(t *testing.T, what string, got, want *Result) {
	t.Helper()
	if a, b := js(t, got.Scores()), js(t, want.Scores()); a != b {
		t.Fatalf("%s: scores\n%.2000s\nwant\n%.2000s", what, a, b)
	}
	if a, b := got.IDs(), want.IDs(); !slices.Equal(a, b) {
		t.Fatalf("%s: knows %d people, want %d", what, len(a), len(b))
	}
	if a, b := got.FlaggedFirst(), want.FlaggedFirst(); !slices.Equal(a, b) {
		t.Fatalf("%s: flagged first %v, want %v", what, a, b)
	}
}

// TestSourceComputesAsInput: on random worlds, the reputation computed
// from a Source, as prepared and as encoded and decoded, at several
// times (ratings made after each left out, which leaves some people out
// too) and with who is blocked given apart, is the one Compute gives for
// the input with those ratings left out.
func TestSourceComputesAsInput(t *testing.T) {
	for seed := range uint64(4) {
		in := sourceWorld(seed)
		src := Prepare(in)
		back, err := DecodeSource(src.Encode())
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for _, madeBy := range []time.Time{{}, now.Add(-time.Hour), now, now.Add(30 * time.Hour), now.Add(10 * 24 * time.Hour)} {
			at := now.Add(time.Duration(seed) * 24 * time.Hour)
			want := computedWithout(&Input{Viewer: in.Viewer, Now: at, Verified: in.Verified, Blocked: in.Blocked, Replaced: in.Replaced, Names: in.Names, Cells: in.Cells}, madeBy)
			what := fmt.Sprintf("seed %d, made by %v", seed, madeBy)
			sameResult(t, what+", prepared", src.Compute(at, madeBy, in.Blocked), want)
			sameResult(t, what+", decoded", back.Compute(at, madeBy, in.Blocked), want)
		}
	}
}

// TestDecodeSourceRefusesDamage: a kept Source cut short, with a byte
// changed or of another form is refused or reads as some Source whose
// reputation computes without a crash.
func TestDecodeSourceRefusesDamage(t *testing.T) {
	b := Prepare(sourceWorld(1)).Encode()
	if _, err := DecodeSource(b[:len(b)-1]); err == nil {
		t.Fatal("a Source cut short was read")
	}
	if _, err := DecodeSource(append(b, 0)); err == nil {
		t.Fatal("a Source with a byte more was read")
	}
	other := append([]byte{2}, b[1:]...)
	if _, err := DecodeSource(other); err == nil {
		t.Fatal("a Source of another form was read")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 300 {
		c := slices.Clone(b)
		c[rng.IntN(len(c))] ^= byte(1 + rng.IntN(255))
		if s, err := DecodeSource(c); err == nil {
			s.Compute(now, now, []string{pid("x")}).Scores()
		}
	}
}

// FuzzDecodeSource: no bytes make DecodeSource, or computing the
// reputation of what it reads, crash.
func FuzzDecodeSource(f *testing.F) {
	f.Add(Prepare(generate(3, 60, 6, 80)).Encode())
	f.Add(Prepare(&Input{}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := DecodeSource(b); err == nil {
			s.Compute(now, now.Add(-24*time.Hour), []string{pid("x")}).Scores()
		}
	})
}
