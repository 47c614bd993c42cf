package crdt

import (
	"testing"

	"trustdesk/identity"
)

// forkVotesVariants are, for each rule the sixteenth round measured and
// did not keep (ROUNDS.md, "Sixteenth round: a forker's own earlier
// votes"), a history of the "open" mode of TestHostileHistories
// (-crdt.people 1) that revision 17 holds and the variant breaks.
var forkVotesVariants = []namedHistory{
	// (a), and (a) for the statements that cannot help only: the
	// common past of the attacker's fork holds a vote for a quorum of
	// one, which keeps counting once the attacker is fixed first, at
	// their late place; most of those raced with them fall there, two
	// voters against the attacker among them.
	{"CommonPastOfTheForkCounts", 396},
	// (b): the attacker's vote against a voter counts, once they are
	// fixed, because that voter answered it: the voter's answer
	// acknowledges it, and the attacker chose to send it to them
	// (TestWarAnsweredBackdatedAccusationDoesNotRescue); the war goes
	// otherwise, and another voter against the attacker loses their
	// place.
	{"AnsweredVoteKeepsCounting", 1830},
	// (b) for the votes that cannot help their author only: an honest
	// member's vote, acknowledged by another, counts until its
	// author's place; the attack moves that place later, and the vote
	// then counts toward the exclusion of a voter against the
	// attacker.
	{"AcknowledgedVoteCountsUntilAMovedPlace", 514},
}

// TestWarForkVotesVariantsHold plays forkVotesVariants, so that none of
// those rules is tried again unchanged. Each history fails with its
// variant's build (crdt/forkvotes.go and WAR20A_FORKVOTES of the
// round's first two commits).
func TestWarForkVotesVariantsHold(t *testing.T) {
	holdsHostileCases(t, forkVotesVariants)
}

// TestAttackVoteBesideOwnLeave (ROUNDS.md, sixteenth round, variant
// (d)): in a cell of five where three votes exclude, Mal leaves, and
// Fay and Quin, having seen it, vote Pia out: two votes of the three
// needed. Mal then signs, with a modified client, a vote against Pia
// beside his leave (built on the cell as it was before it) with an id
// ground large, so that it comes after Fay's and Quin's votes. It is
// concurrent with his leave and counts for nothing: Pia stays a
// member. A rule under which a forked leave ends its author's
// membership only after the statements signed beside it (variant (d))
// lets it complete Pia's exclusion: whoever left could go on voting by
// signing beside their leave.
func TestAttackVoteBesideOwnLeave(t *testing.T) {
	voteBesideLeave(t, false)
}

// voteBesideLeave plays TestAttackVoteBesideOwnLeave's history, with,
// when contested, Pia's vote against Mal beside his leave
// (TestAttackVoteBesideOwnContestedLeave): in every order Pia stays a
// member and Mal has left.
func voteBesideLeave(t *testing.T, contested bool) {
	eachCellID(t, func(t *testing.T) {
		base, _ := hostileCell(t, 5)
		for i := range 3 { // Fay, Pia and Quin
			must(base.SetPolicy(person(t, i), Policy{AdmitVouches: 1, ExcludeQuorum: 3}, t0))
		}
		fay, pia, quin, mal := person(t, 0), person(t, 1), person(t, 2), person(t, 4)
		heads := base.State().Heads
		must(base.Leave(mal, t0))
		must(base.VoteExclude(fay, pia.Card.ID(), t0))
		must(base.VoteExclude(quin, pia.Card.ID(), t0))
		var c *Cell
		for seq := uint64(100); ; seq++ {
			c = must(Load(base.Save()))
			if contested {
				forge(t, c, pia, &Statement{Kind: KindExclude, Subject: mal.Card.ID()}, heads, false)
			}
			v := forge(t, c, mal, &Statement{Kind: KindExclude, Subject: pia.Card.ID(), Seq: seq}, heads, false)
			if v.id[0] >= 0xf0 {
				break
			}
		}
		wantStatus(t, c.State(), map[*identity.Identity]Status{fay: StatusMember, pia: StatusMember, quin: StatusMember, mal: StatusLeft})
	})
}
