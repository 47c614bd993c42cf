package crdt

import (
	"slices"
	"testing"

	"trustdesk/identity"
)

// TestWarForkersSetAsideVoteMakesNoCandidate (rules revision 18; the
// breaches 909 and 1658 of TestHostileHistories "open", 1162 and 1714
// with -crdt.people 7): the history of
// TestWarKnownGapSetAsideVoteMakesACandidate, but Ana, voted out by
// Fay, also signs a leave on top of her vote against Pia, as every
// attack of the hostile test does. Her vote comes first in the order
// and completes Pia's exclusion in the first pass, so Pia's vote
// against Quin is cut and Pia is a candidate while Quin is not; the
// first round fixes Ana (her contested leave makes her a forker) and
// Pia at Quin's vote, without a race. With revision 17 Pia lost the
// place she kept before Ana's vote. Since revision 18 the cell is
// derived once more without Ana's contested leave and her set-aside
// vote (she is a forker the rounds fixed), as if she had never sent
// them: Pia and Quin race as
// before Ana's attack and Quin, the junior, loses; Ana is still
// excluded, and Fay, who voted against her, still a member.
func TestWarForkersSetAsideVoteMakesNoCandidate(t *testing.T) {
	anaVotesAndLeaves(t, true)
}

// anaVotesAndLeaves plays TestWarForkersSetAsideVoteMakesNoCandidate's
// history, with Ana's leave built on her vote against Pia when onVote
// is set, on the cell's heads beside it otherwise
// (TestWarForkersVoteOnItsOwnBranchMakesNoCandidate): in every order
// Pia and Quin race as before Ana's attack, Quin loses, Ana stays
// excluded and Fay a member. A cell id under which another vote comes
// before Ana's is skipped.
func anaVotesAndLeaves(t *testing.T, onVote bool) {
	eachCellID(t, func(t *testing.T) {
		base, _, _, fay, pia, quin, ana := raceCell(t)
		heads := base.State().Heads
		dev := raceDevices(t, base, fay, pia, quin, ana)
		want := map[*identity.Identity]Status{fay: StatusMember, pia: StatusMember, quin: StatusExcluded, ana: StatusExcluded}
		wantStatus(t, merged(t, dev[fay], dev[pia], dev[quin]).State(), want)
		v := forge(t, dev[ana], ana, &Statement{Kind: KindExclude, Subject: pia.Card.ID()}, heads, true)
		leavePrev := heads
		if onVote {
			leavePrev = []StatementID{v.id}
		}
		l := forge(t, dev[ana], ana, &Statement{Kind: KindLeave}, leavePrev, onVote)
		all := merged(t, dev[fay], dev[pia], dev[quin], dev[ana])
		if slices.ContainsFunc(all.State().Heads, func(h StatementID) bool { return h != l.id && compareIDs(h, v.id) < 0 }) {
			// The votes are built on the same heads, so the smallest
			// id comes first; the test needs Ana's.
			t.Skip("with this cell id another vote comes before Ana's")
		}
		for _, cs := range [][]*Cell{{dev[fay], dev[pia], dev[quin], dev[ana]}, {dev[ana], dev[quin], dev[pia], dev[fay]}} {
			wantStatus(t, merged(t, cs...).State(), want)
		}
	})
}

// TestWarAgainKeepsTheForkerExcluded (rules revision 18): history 6 of
// TestHostileHistories "open". The attacker 82fd95 forks and is fixed
// excluded; their exclusion before the attack rested on their own
// votes, which the rounds set aside with the attack. Derived once more
// without those statements, the attacker is no longer excluded, so
// that second outcome is not kept and the attacker stays excluded.
// Keeping it whatever it shows frees the attacker here (and, measured
// with variant R of ROUNDS.md's sixteenth round, breaks issue 12's
// invariants in 149 of the 2,000 histories).
func TestWarAgainKeepsTheForkerExcluded(t *testing.T) {
	holdsHostileCase(t, 6, "open")
}
