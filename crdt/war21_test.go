package crdt

import "testing"

// TestAttackVoteBesideOwnContestedLeave (seventeenth round): the attack
// of TestAttackVoteBesideOwnLeave, with Pia voting Mal out beside his
// leave, so that his leave is contested and he, having signed a vote
// beside it, is a forked leaver. Revision 19 derives the cell once more
// without the leave of a forked leaver who ends as someone who left,
// but keeps that outcome only when it excludes them. Here one vote
// against Mal excludes nobody: without his leave he would be a member
// whose vote, ground to come after Fay's and Quin's, completes Pia's
// exclusion. So the leave stays, still cuts the vote he signed beside
// it, and Pia stays a member. Keeping the second outcome whatever it
// shows would let anyone who left vote on by getting one vote cast
// against them.
func TestAttackVoteBesideOwnContestedLeave(t *testing.T) {
	voteBesideLeave(t, true)
}

// TestWarLeaveSideLeftOutWhenItsAuthorIsExcludedWithoutIt (rules
// revision 19): history 993 of TestHostileHistories "open". Before the
// attack f94690 is excluded, after 82fd95 and 9a5680, whose exclusions
// rested on f94690's own honest votes. The attack, built on a device
// that had not seen those votes, signs a policy vote, a vote against
// e01ba0 and a leave, ground to come first. The leave counts in
// everyone's trials but f94690's own and cuts those honest votes as
// concurrent with it, so 82fd95 and 9a5680 stay, e01ba0 (who voted
// against f94690) is excluded, and no trial finds f94690, who has left.
// Revision 19 derives the cell once more without the leave's side of
// the fork (the leave, the vote against e01ba0 and the policy vote);
// there f94690 is excluded, so that outcome is kept: the war goes as
// before the attack.
func TestWarLeaveSideLeftOutWhenItsAuthorIsExcludedWithoutIt(t *testing.T) {
	holdsHostileCase(t, 993, "open")
}

// TestWarAgainLeavesOutWhatAForkerSignedAfterTheirPlace (rules revision
// 19): history 858 of TestHostileHistories "open". The attacker 136cdf
// builds the attack (a policy for a quorum of 1,000, a vote, a leave) on
// the statement where the rounds fix them. Revision 18's second
// derivation left out the vote and the leave but kept the policy vote:
// in a cell the war had shrunk it asks no more votes than the policy in
// force, so it cannot help its author; refused because its author was
// excluded, it still had an effect, made 136cdf a candidate first in
// the race of round 1, and the races that followed kept e01ba0 and
// 9a5680, excluded before the attack. Since revision 19 the second
// derivation also leaves out what a fixed forker signed on top of the
// statement where they were fixed, which counts for nothing in the end
// whatever it says: 136cdf is no candidate there and the war goes as
// before the attack.
func TestWarAgainLeavesOutWhatAForkerSignedAfterTheirPlace(t *testing.T) {
	holdsHostileCase(t, 858, "open")
}

// TestWarLeaveSideLeftOutWithOtherPeople (rules revision 19): 993 and
// 396 of TestHostileHistories "open" with the people of -crdt.people 7,
// which revision 19 mends as it mends 993 with the default people: the
// attacker's backdated leave, counted in everyone else's trials, cut
// their own honest votes, the exclusions that rested on those did not
// happen, and the attacker had left instead of being excluded.
func TestWarLeaveSideLeftOutWithOtherPeople(t *testing.T) {
	withPeople(t, 7, func() {
		holdsHostileCases(t, []namedHistory{{"993", 993}, {"396", 396}})
	})
}
