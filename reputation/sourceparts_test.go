package reputation

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// partsWorld returns sourceWorld(seed) with notes of many lengths and
// tags on every rating (each its own), so that the texts fill many parts
// and a part given for another shows in the explanations.
func partsWorld(seed uint64) *Input {
	in := sourceWorld(seed)
	for c := range in.Cells {
		for i := range in.Cells[c].Ratings {
			r := &in.Cells[c].Ratings[i]
			r.Note = fmt.Sprintf("note %d %d %s", c, i, strings.Repeat("x", (i*37)%300))
			if r.Tags != nil {
				r.Tags = append(slices.Clone(r.Tags), fmt.Sprintf("t%d", i))
			}
		}
	}
	return in
}

// decodedParts returns the Source of in as a device reads it back from
// what it kept apart (EncodeParts), each part given by give, with how
// many parts there are and a count of the calls of give by part.
func decodedParts(t *testing.T, in *Input, give func(parts [][]byte, k int) []byte) (*Source, int, []int) {
	t.Helper()
	main, parts := Prepare(in).EncodeParts()
	calls := make([]int, len(parts))
	back, err := DecodeSourceParts(main, func(k int) []byte {
		calls[k]++
		return give(parts, k)
	})
	if err != nil {
		t.Fatal(err)
	}
	return back, len(parts), calls
}

// TestSourcePartsExplainAsWhole: a Source read back from its main record
// alone, each part of its texts read when an explanation asks for it,
// computes and explains everyone as Compute of the input does, at
// several times; explaining one person reads only the parts of the
// ratings about them; main holds no statement id, tag or note.
func TestSourcePartsExplainAsWhole(t *testing.T) {
	for seed := range uint64(3) {
		in := partsWorld(seed)
		back, n, calls := decodedParts(t, in, func(parts [][]byte, k int) []byte { return parts[k] })
		if n < 10 {
			t.Fatalf("%d parts: the world is too small to test them", n)
		}
		first := in.Cells[0].Ratings[0]
		main, _ := Prepare(in).EncodeParts()
		for _, s := range []string{first.ID, first.Note} {
			if strings.Contains(string(main), s) {
				t.Fatalf("main holds %q", s)
			}
		}
		r := back.Compute(now, time.Time{}, in.Blocked)
		if sc := r.Person(first.Subject); len(sc.Ratings) == 0 {
			t.Fatal("no ratings explained")
		}
		read := 0
		for _, c := range calls {
			read += c
		}
		if read == 0 || read > 2 {
			t.Fatalf("explaining one person read %d parts of %d", read, n)
		}
		for _, madeBy := range []time.Time{{}, now.Add(30 * time.Hour)} {
			want := computedWithout(&Input{Viewer: in.Viewer, Now: now, Verified: in.Verified, Blocked: in.Blocked, Replaced: in.Replaced, Names: in.Names, Cells: in.Cells}, madeBy)
			sameResult(t, fmt.Sprintf("seed %d, made by %v", seed, madeBy), back.Compute(now, madeBy, in.Blocked), want)
		}
		for k, c := range calls {
			if c > 1 {
				t.Fatalf("part %d read %d times", k, c)
			}
		}
	}
}

// TestSourcePartsWrongOrMissing: a part given for another, or none, is
// never a crash nor a wrong score: the scores are as Compute gives them;
// a missing part leaves its ratings without their texts, and a part
// given for another is not read as this one's (they differ in size) or
// shows in the explanations (the split checked by the test above).
func TestSourcePartsWrongOrMissing(t *testing.T) {
	in := partsWorld(1)
	want := Compute(in)
	for name, give := range map[string]func(parts [][]byte, k int) []byte{
		"none":    func([][]byte, int) []byte { return nil },
		"next":    func(parts [][]byte, k int) []byte { return parts[(k+1)%len(parts)] },
		"damaged": func(parts [][]byte, k int) []byte { return parts[k][:len(parts[k])-1] },
	} {
		back, _, _ := decodedParts(t, in, give)
		got := back.Compute(now, time.Time{}, in.Blocked)
		for _, id := range want.IDs() {
			a, b := got.Person(id), want.Person(id)
			if a.Safety != nil && *a.Safety != *b.Safety || a.Flags != b.Flags || len(a.Ratings) != len(b.Ratings) {
				t.Fatalf("%s: %s scored otherwise", name, id)
			}
			for i := range a.Ratings {
				if x := a.Ratings[i]; x.Note != "" && x.Note != b.Ratings[i].Note {
					t.Fatalf("%s: %s explained with another rating's note %q", name, id, x.Note)
				}
			}
		}
	}
}

// TestLaterTiesByStatementID: of two ratings by one rater about one
// subject with the same day and time made, the one with the larger
// statement id counts, whatever the order of the input, in a Source
// read back from its parts too (the id is kept there only as a tie).
func TestLaterTiesByStatementID(t *testing.T) {
	for _, order := range [][2]int{{0, 1}, {1, 0}} {
		w := newWorld()
		w.verify("ann")
		c := w.cell("club")
		rs := []Rating{
			{ID: "aa01", Rater: pid("ann"), Subject: pid("bob"), Safety: 1, Reliability: 1, Day: now, Made: now, Note: "small"},
			{ID: "ff02", Rater: pid("ann"), Subject: pid("bob"), Safety: 5, Reliability: 5, Day: now, Made: now, Note: "large"},
		}
		c.Ratings = append(c.Ratings, rs[order[0]], rs[order[1]])
		c.Ratings = append(c.Ratings, Rating{ID: "0001", Rater: pid("ann"), Subject: pid("cat"), Safety: 3, Reliability: 3, Day: now, Made: now})
		main, parts := Prepare(&w.in).EncodeParts()
		back, err := DecodeSourceParts(main, func(k int) []byte { return parts[k] })
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []*Result{Compute(&w.in), back.Compute(now, time.Time{}, nil)} {
			sc := r.Person(pid("bob"))
			if len(sc.Ratings) != 1 || sc.Ratings[0].Statement != "ff02" || sc.Ratings[0].Note != "large" || sc.Flags != 0 {
				t.Fatalf("order %v: %+v", order, sc.Ratings)
			}
		}
	}
}
