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

// preparedAndRead returns the Source of in, and that Source as a device
// reads it back from what it kept.
func preparedAndRead(t *testing.T, in *Input) (src, back *Source) {
	t.Helper()
	src = Prepare(in)
	back, err := DecodeSource(src.Encode())
	if err != nil {
		t.Fatal(err)
	}
	return src, back
}

// TestSourceComputesAsInput: on random worlds, the reputation computed
// from a Source, as prepared and as encoded and decoded, at several
// times (ratings made after each left out, which leaves some people out
// too) and with who is blocked given apart, is the one Compute gives for
// the input with those ratings left out.
func TestSourceComputesAsInput(t *testing.T) {
	for seed := range uint64(4) {
		in := sourceWorld(seed)
		src, back := preparedAndRead(t, in)
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
	for _, form := range []byte{1, sourceForm + 1} {
		other := append([]byte{form}, b[1:]...)
		if _, err := DecodeSource(other); err == nil {
			t.Fatalf("a Source of form %d was read", form)
		}
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

// weekWorld returns sourceWorld(seed) with ratings that cross, within
// the week after now, the FlagWindow (flags whose day leaves it) and a
// cut-off of the ratings made (ratings made during the week, some of
// them later ratings of a rater about a subject, some by or about people
// who appear nowhere else).
func weekWorld(seed uint64) *Input {
	in := sourceWorld(seed)
	rng := rand.New(rand.NewPCG(seed, 9))
	week := 8 * 24 * time.Hour
	// Ratings made after now are made on the third or the sixth day, so
	// that days before, between and after share what they count.
	later := func() time.Time {
		return now.Add(time.Duration(2+3*rng.IntN(2))*24*time.Hour + time.Duration(rng.Int64N(3600))*time.Second)
	}
	for c := range in.Cells {
		rs := in.Cells[c].Ratings
		for i := range rs {
			r := &rs[i]
			if r.Made.After(now) {
				r.Made = later()
			}
			if r.Safety <= FlagSafety && rng.IntN(2) == 0 {
				r.Day = now.Add(-FlagWindow + time.Duration(rng.Int64N(int64(week))))
			}
		}
		for k := range 20 {
			r := rs[rng.IntN(len(rs))]
			r.ID = fmt.Sprintf("made in the week %d %d", c, k)
			r.Made = later()
			r.Safety = 1 + rng.IntN(5)
			if k%5 == 0 {
				r.Subject = pid(fmt.Sprintf("rated in the week %d %d", c, k))
			}
			rs = append(rs, r)
		}
		in.Cells[c].Ratings = rs
	}
	return in
}

// TestComputeDaysAsEachDay: computing a week in one pass
// (Source.ComputeDays) gives for each day what computing that day alone
// gives, to the byte of what a start keeps, on worlds where ratings
// cross a flag window or a cut-off of the ratings made within the week.
func TestComputeDaysAsEachDay(t *testing.T) {
	for seed := range uint64(4) {
		in := weekWorld(seed)
		src, back := preparedAndRead(t, in)
		start := now.Add(time.Duration(seed) * 5 * time.Hour)
		var nows, made []time.Time
		for d := range 8 {
			day := start.Add(time.Duration(d) * 24 * time.Hour)
			nows, made = append(nows, day), append(made, day.Add(30*time.Hour))
		}
		if seed == 3 {
			made[2] = time.Time{} // every rating, between cut-offs
		}
		for _, s := range []*Source{src, back} {
			days := 0
			s.ComputeDays(nows, made, in.Blocked, func(i int, got *Result) bool {
				what := fmt.Sprintf("seed %d, day %d", seed, i)
				want := s.Compute(nows[i], made[i], in.Blocked)
				sameResult(t, what, got, want)
				ids := want.IDs()
				a, errA := EncodeKept(got.Keep(ids, len(ids)))
				b, errB := EncodeKept(want.Keep(ids, len(ids)))
				if errA != nil || errB != nil || string(a) != string(b) {
					t.Fatalf("%s: kept %d bytes, want %d (%v, %v)", what, len(a), len(b), errA, errB)
				}
				days++
				return true
			})
			if days != len(nows) {
				t.Fatalf("seed %d: %d days computed, want %d", seed, days, len(nows))
			}
		}
	}
	stopped := 0
	Prepare(weekWorld(0)).ComputeDays([]time.Time{now, now}, []time.Time{now, now}, nil, func(int, *Result) bool {
		stopped++
		return false
	})
	if stopped != 1 {
		t.Fatalf("computed %d days after yield returned false, want 1", stopped)
	}
}
