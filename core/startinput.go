package core

import (
	"encoding/binary"
	"time"

	"trustdesk/crdt"
	"trustdesk/reputation"
	"trustdesk/store"
)

// What the reputation is computed from, kept (crdt/SCHEMA.md §7, "What a
// start keeps"). The reputation kept for a day (startReputation) is of no
// use on another day: the age of every rating changes. But all that the
// computation reads apart from the day is worked out from the cells and
// the contacts alone, and reading every cell and naming everyone costs
// most of a start that must compute. So that is kept too, under
// startRepSource, keyed like the rest by everything it comes from (the
// digest of startInputs, not the time): a start on a new day, or after
// days closed, decodes it and computes only the reputation itself.
// What only explanations read (each rating's statement id, tags and
// note) is kept apart, in parts (reputation.Source.EncodeParts), in the
// group startRepTexts under their numbers: a start that computes reads
// only the parts of the ratings it explains (those about my contacts
// and the first flagged, which it keeps), not every rating's.
var (
	startRepSource = []byte("reputation.source")
	startRepTexts  = []byte("reputation.texts")
)

// keepSource keeps src, worked out for inputs (cellsInputs): its main
// record and its parts in one transaction, the parts of any source kept
// before removed, if the home's inputs are inputs still (see keepStart).
// It fails quietly: the next start works it out again.
func (s *Service) keepSource(inputs []byte, src *reputation.Source) {
	main, parts := src.EncodeParts()
	recs := make([][]byte, 0, len(parts)+1)
	for _, body := range append([][]byte{main}, parts...) {
		b, ok := keptStartRecord(inputs, body, 0, 0)
		if !ok {
			return
		}
		recs = append(recs, b)
	}
	_ = s.db.Update(func(tx *store.Tx) error {
		if !inputsStill(tx, s.cellsInputs, inputs) {
			return errStale
		}
		if err := tx.DeleteGroup(bucketStart, startRepTexts); err != nil {
			return err
		}
		for k, b := range recs[1:] {
			if err := tx.Put(bucketStart, startRepTexts, binary.AppendUvarint(nil, uint64(k)), b); err != nil {
				return err
			}
		}
		return tx.Put(bucketStart, nil, startRepSource, recs[0])
	})
}

// textPart returns what reads part k of the texts of the source kept
// for inputs, or nil if it is not kept so (a damaged or missing part:
// the explanations of its ratings go without their texts until the
// source is worked out again). It reads in a transaction of its own: an
// explanation may be asked for at any time.
func (s *Service) textPart(inputs []byte) func(k int) []byte {
	return func(k int) []byte {
		var b []byte
		_ = s.db.View(func(tx *store.Tx) error {
			b = readStartIn(tx, startRepTexts, binary.AppendUvarint(nil, uint64(k)), inputs, time.Time{})
			return nil
		})
		return b
	}
}

// repSource is a reputation.Input as it is whatever the time: Now unset,
// and every rating with a day the model reads, made whenever its author
// says (Made). It is kept prepared (reputation.Source): everyone already
// numbered, what only explanations read left to be read when asked for.
type repSource struct{ in reputation.Input }

// madeBy returns the latest time a rating may have been made, by its
// author's word, to count in the reputation at now: a day
// (crdt.DayAllowance) after the end of now's day (UTC). A rating made
// later counts once that day comes (crdt/SCHEMA.md §2.4), not as a
// rating of today that never ages. The rule reads only the day, as the
// rest of the reputation does: ratings made ahead of the clock, however
// many and however finely spread, change the reputation at most once a
// day, so a start on a day already computed reads what was kept.
func madeBy(now time.Time) time.Time {
	return dayOf(now).Add(24*time.Hour + crdt.DayAllowance)
}
