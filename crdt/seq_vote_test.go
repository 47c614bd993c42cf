package crdt

import (
	"testing"
)

// TestAttackSeqMovesVote: when competing changes of Ana's guardians are
// decided by the members (SCHEMA §4.5), each member counts for the change
// their statements built on first. Bo built on Ana's change long ago.
// Bought by the thief, who backdated a change by the guardians Ana
// dropped, Bo signs a statement built on the thief's change alone (a fork
// of his own history) and claims for it any seq, the smallest, or one
// more than his statements in its past. He may lose his say (he built on
// both, as far as anyone can tell), but he cannot move it: Ana's change,
// which Cy built on too, stays in force, and the dropped guardians do not
// come back (with Bo's vote moved, the tie left the old set in force).
func TestAttackSeqMovesVote(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		bo := person(t, 1)
		c, before, change := changedCell(t)
		g, f := guardiansOfAna(t), fakes(t)
		oldSet := guardiansInForce(t, guardedCell(t).State())
		for _, seq := range []uint64{1, 2, 0} { // 0: one more than his largest
			for _, grind := range []bool{false, true} {
				thief := must(Load(c.Save()))
				theirs := forgeChange(t, thief, oldSet, f, 2, 7, changeConfirmations(t, g[:2], f, 2, 7), before, grind)
				forge(t, thief, bo, &Statement{Kind: KindRate, Subject: person(t, 2).Card.ID(), Rating: rating(1, 1), Seq: seq}, []StatementID{theirs.ID()}, grind)
				st := thief.State()
				if now := guardiansInForce(t, st); now.Statement != change.ID() || reasonOf(st, theirs.ID()) != ReasonNotConfirmed {
					t.Errorf("seq %d, grind %v: in force %v (Ana's change %v, the old set %v), the thief's change %q",
						seq, grind, now.Statement, change.ID(), oldSet.Statement, reasonOf(st, theirs.ID()))
				}
			}
		}
	})
}
