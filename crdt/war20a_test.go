package crdt

import (
	"os"
	"strconv"
	"testing"
)

// The variant of the sixteenth round's measurement (ROUNDS.md, "Sixteenth
// round: a forker's own earlier votes"), from WAR20A_FORKVOTES; 0 is
// rules revision 17.
func init() {
	forkVotes, _ = strconv.Atoi(os.Getenv("WAR20A_FORKVOTES"))
}

// TestWarForkVotesVariantsHold plays, for each rule the sixteenth round
// measured and did not keep (ROUNDS.md, "Sixteenth round: a forker's
// own earlier votes"), a history of the "open" mode of
// TestHostileHistories (-crdt.people 1) that revision 17 holds and the
// variant breaks, so that none is tried again unchanged. Each fails
// with its variant's build (WAR20A_FORKVOTES of the round's first
// commit).
func TestWarForkVotesVariantsHold(t *testing.T) {
	for _, h := range []struct {
		name string
		n    uint64
	}{
		// (a), and (a) for the statements that cannot help only: the
		// common past of the attacker's fork holds a vote for a quorum
		// of one, which keeps counting once the attacker is fixed
		// first, at their late place; everyone raced with them falls
		// there, two voters against the attacker among them.
		{"CommonPastOfTheForkCounts", 396},
		// (b): the attacker's vote against a voter counts, once they
		// are fixed, because that voter answered it: the voter's
		// answer acknowledges it, and the attacker chose to send it
		// to them (TestWarAnsweredBackdatedAccusationDoesNotRescue).
		{"AnsweredVoteKeepsCounting", 1830},
		// (b) for the votes that cannot help their author only: an
		// honest member's vote, acknowledged by another, counts until
		// its author's place; the attack moves that place later, and
		// the vote then completes the exclusion of a voter against
		// the attacker.
		{"AcknowledgedVoteCountsUntilAMovedPlace", 514},
	} {
		t.Run(h.name, func(t *testing.T) { holdsHostileCase(t, h.n, "open") })
	}
}
