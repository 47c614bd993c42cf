package crdt

import "testing"

// TestWarAgainKeepsVotesBeforeTheFork (sixteenth round, 858 and 1872):
// history 1913 of TestHostileHistories "open". The attacker f94690
// forks their history; before the fork they had voted against 82fd95
// (statement 10), a vote the rounds set aside because a vote against
// them had not seen it. Revision 18 as first merged left that vote out
// of the second derivation as well, with the attack, so the first pass
// there no longer counted it, and the races that followed excluded
// e01ba0, who had voted against the attacker. The second derivation
// now leaves out only the statements of the forker after their fork:
// the vote from the common past of the fork counts in its first pass as
// it did in the first, and e01ba0 stays a member.
func TestWarAgainKeepsVotesBeforeTheFork(t *testing.T) {
	holdsHostileCase(t, 1913, "open")
}

// TestWarAgainPaddedForker: history 1913 again, with the attacker
// signing 65 ratings after their fork. Revision 18 first compared a
// forker's statements pair by pair and only up to 64 of them, and left
// out everything of a forker with more, so padding brought back the
// first behaviour and the breach; the common past is now found in one
// pass however many statements the forker signs.
func TestWarAgainPaddedForker(t *testing.T) {
	attackPadding = 65
	defer func() { attackPadding = 0 }()
	holdsHostileCase(t, 1913, "open")
}
