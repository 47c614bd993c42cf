package reputation

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// computedBefore is the digest of what TestComputesAsBefore computes, as
// the code computed it before the model read the ratings of a Source as
// candidates (main d31da92). Only a change of the model's rules may
// change it, with MODEL.md.
const computedBefore = "abbef525a0da391b4898e15c07588664300e51f8f78b404d366f85526e109628"

// tiedWorld is sourceWorld(seed) with ratings that only the order of
// the latest tells apart: a rater's later rating of the same day made
// later, one made at the same time with another statement id, and the
// same statement in two cells.
func tiedWorld(seed uint64) *Input {
	in := sourceWorld(seed)
	for c := range in.Cells {
		rs := in.Cells[c].Ratings
		for i := 0; i < len(rs) && i < 60; i += 3 {
			r := rs[i]
			if i%2 == 1 {
				other := &in.Cells[(c+1)%len(in.Cells)]
				other.Ratings = append(other.Ratings, r)
				continue
			}
			later, same := r, r
			later.ID, later.Made, later.Safety = r.ID+"1", r.Made.Add(time.Second), 1+(r.Safety%5)
			same.ID, same.Made, same.Reliability = r.ID+"0", later.Made, 1+(r.Reliability%5)
			in.Cells[c].Ratings = append(in.Cells[c].Ratings, later, same)
		}
	}
	return in
}

// TestComputesAsBefore: the scores, the people known and the flagged
// first of random worlds with tied ratings, computed from a Source at
// several times (ratings made ahead left out), are what the code before
// computed (computedBefore).
func TestComputesAsBefore(t *testing.T) {
	h := sha256.New()
	for seed := range uint64(3) {
		in := tiedWorld(seed)
		src := Prepare(in)
		back, err := DecodeSource(src.Encode())
		if err != nil {
			t.Fatal(err)
		}
		for _, madeBy := range []time.Time{{}, now, now.Add(30 * time.Hour)} {
			at := now.Add(time.Duration(seed) * 24 * time.Hour)
			for _, r := range []*Result{src.Compute(at, madeBy, in.Blocked), back.Compute(at, madeBy, in.Blocked)} {
				fmt.Fprintf(h, "%s\n%s\n%s\n", js(t, r.Scores()), strings.Join(r.IDs(), ","), strings.Join(r.FlaggedFirst(), ","))
			}
		}
		fmt.Fprintf(h, "%s\n", js(t, Compute(in).Scores()))
	}
	got := hex.EncodeToString(h.Sum(nil))
	if os.Getenv("TRUSTDESK_PRINT_GOLDEN") != "" {
		t.Logf("digest %s", got)
	}
	if got != computedBefore {
		t.Fatalf("computed %s, before %s", got, computedBefore)
	}
}
