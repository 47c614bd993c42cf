package core

import (
	"time"

	"trustdesk/crdt"
	"trustdesk/reputation"
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
var startRepSource = []byte("reputation.source")

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
