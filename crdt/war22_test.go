package crdt

import "testing"

// TestWarForkersVoteOnItsOwnBranchMakesNoCandidate (rules revision 18;
// the eighteenth round of ROUNDS.md): the history of
// TestWarForkersSetAsideVoteMakesNoCandidate, but Ana's leave is not
// built on her vote against Pia: each is a branch of its own on the
// cell's heads, so the vote has no contested statement of hers in its
// past or its future and looks like an honest branch of a fork. The
// rules cannot tell it from one, so it is left out of the second
// derivation like any vote to exclude the rounds set aside for a fixed
// forker, and Pia and Quin race as before Ana's attack. A rule that
// keeps a fixed forker's set-aside votes on a branch without their
// leave or policy vote (the round's variant (iv)), or not built on a
// contested statement of theirs ((iii)), lets this vote make Pia a
// candidate again and fails here.
func TestWarForkersVoteOnItsOwnBranchMakesNoCandidate(t *testing.T) {
	anaVotesAndLeaves(t, false)
}
