package crdt

import (
	"os"
	"strconv"
	"testing"

	"trustdesk/identity"
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
	eachCellID(t, func(t *testing.T) {
		fay, pia, quin, mal := person(t, 0), person(t, 1), person(t, 2), person(t, 4)
		base, _ := hostileCell(t, 5)
		for _, p := range []*identity.Identity{fay, pia, quin} {
			must(base.SetPolicy(p, Policy{AdmitVouches: 1, ExcludeQuorum: 3}, t0))
		}
		heads := base.State().Heads
		must(base.Leave(mal, t0))
		must(base.VoteExclude(fay, pia.Card.ID(), t0))
		must(base.VoteExclude(quin, pia.Card.ID(), t0))
		var c *Cell
		for seq := uint64(100); ; seq++ {
			c = must(Load(base.Save()))
			v := forge(t, c, mal, &Statement{Kind: KindExclude, Subject: pia.Card.ID(), Seq: seq}, heads, false)
			if v.id[0] >= 0xf0 {
				break
			}
		}
		wantStatus(t, c.State(), map[*identity.Identity]Status{fay: StatusMember, pia: StatusMember, quin: StatusMember, mal: StatusLeft})
	})
}
