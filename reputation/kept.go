package reputation

import (
	"embed"
	"errors"
	"slices"
	"sync"

	"github.com/fxamacker/cbor/v2"

	"trustdesk/internal/srcdigest"
)

// A device may keep part of a [Result] so that a later start shows the
// People list without computing everyone's reputation again (core keeps
// it keyed by everything the computation read: MODEL.md, section 9). A
// Result made from what was kept ([FromKept]) answers from it where it
// can and computes the whole Result once, when first asked for more.

// source is every file of this package that is built into the program.
// TestSourceComplete checks that the list is whole.
//
//go:embed doc.go eval.go input.go kept.go knowledge.go model.go reputation.go source.go sourceform.go words.go
var source embed.FS

// SourceDigest returns the digest of this package's source: a Result kept
// by a program built from other code is never used.
var SourceDigest = sync.OnceValue(func() []byte { return srcdigest.Of(source) })

// Kept is what a device keeps of a Result: the scores of some people, as
// [Result.Person] gives them (nil for someone the Result does not know),
// and the start of [Result.FlaggedFirst], with how many are flagged in
// all.
type Kept struct {
	Scores  map[string]*Score `cbor:"1,keyasint"`
	Flagged []string          `cbor:"2,keyasint"`
	Total   int               `cbor:"3,keyasint"`
}

// Keep returns what to keep of r: the scores of ids and the first
// flagged of [Result.FlaggedFirst].
func (r *Result) Keep(ids []string, flagged int) *Kept {
	k := &Kept{Scores: make(map[string]*Score, len(ids))}
	for _, id := range ids {
		k.Scores[id] = r.Person(id)
	}
	w := r.whole()
	first := w.flaggedFirst()
	k.Total = len(first)
	k.Flagged = w.idsOf(first[:min(flagged, len(first))])
	return k
}

// FromKept returns a Result that answers from k what k holds, exactly as
// the Result k was kept from did, and anything else from full(), called
// once, when first needed. full must compute the Result k was kept from
// (core keys what it keeps by all the computation reads).
func FromKept(k *Kept, full func() *Result) *Result {
	return &Result{kept: &keptResult{k: k, full: sync.OnceValue(full)}}
}

// keptResult is what a Result made by [FromKept] holds.
type keptResult struct {
	k    *Kept
	full func() *Result
}

// whole returns the Result r stands for: r itself, or the one computed
// in full for a Result made from what was kept.
func (r *Result) whole() *Result {
	if r.kept == nil {
		return r
	}
	if w := r.kept.full(); w != nil {
		return w
	}
	return Compute(nil) // the computation failed: nobody is known
}

// FlaggedFirstN returns the first n of [Result.FlaggedFirst] (all of
// them if there are fewer) and how many are flagged in all.
func (r *Result) FlaggedFirstN(n int) (first []string, total int) {
	if k := r.kept; k != nil && (n <= len(k.k.Flagged) || len(k.k.Flagged) == k.k.Total) {
		return slices.Clone(k.k.Flagged[:min(n, len(k.k.Flagged))]), k.k.Total
	}
	w := r.whole()
	all := w.flaggedFirst()
	return w.idsOf(all[:min(n, len(all))]), len(all)
}

// keptScore returns the kept score of id, a copy, and whether one is
// kept.
func (r *Result) keptScore(id string) (*Score, bool) {
	if r.kept == nil {
		return nil, false
	}
	sc, ok := r.kept.k.Scores[id]
	if !ok || sc == nil {
		return nil, ok
	}
	c := *sc
	c.Ratings, c.Warnings, c.VouchedFor = slices.Clone(sc.Ratings), slices.Clone(sc.Warnings), slices.Clone(sc.VouchedFor)
	for i := range c.Ratings {
		c.Ratings[i].Tags = slices.Clone(c.Ratings[i].Tags)
	}
	return &c, true
}

// keptForm is the form of a kept Result; a new form makes every kept
// Result of an older one unreadable (DecodeKept then fails: compute it
// again).
const keptForm = 1

var (
	keptEnc = func() cbor.EncMode {
		em, err := cbor.EncOptions{Sort: cbor.SortCoreDeterministic, Time: cbor.TimeRFC3339Nano}.EncMode()
		if err != nil {
			panic(err)
		}
		return em
	}()
	keptDec = func() cbor.DecMode {
		dm, err := cbor.DecOptions{MaxArrayElements: 1 << 24, MaxMapPairs: 1 << 24, MaxNestedLevels: 16}.DecMode()
		if err != nil {
			panic(err)
		}
		return dm
	}()
)

// keptRecord is a Kept with its form.
type keptRecord struct {
	Form int   `cbor:"1,keyasint"`
	Kept *Kept `cbor:"2,keyasint"`
}

// EncodeKept returns k as bytes for [DecodeKept].
func EncodeKept(k *Kept) ([]byte, error) {
	return keptEnc.Marshal(keptRecord{Form: keptForm, Kept: k})
}

// DecodeKept returns the Kept that [EncodeKept] made b from, or an error
// if b is not one of this form.
func DecodeKept(b []byte) (*Kept, error) {
	var r keptRecord
	if err := keptDec.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	if r.Form != keptForm || r.Kept == nil || r.Kept.Total < len(r.Kept.Flagged) {
		return nil, errors.New("reputation: not a kept result of this form")
	}
	return r.Kept, nil
}
