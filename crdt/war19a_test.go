package crdt

import (
	"testing"

	"trustdesk/identity"
)

// TestWarPlacementVariantsHold plays, for each rule the fifteenth round
// measured and did not keep (ROUNDS.md, "Fifteenth round: where a
// removal is placed"), a history of the "open" mode of
// TestHostileHistories that revision 16 holds and the variant breaks,
// so that none is tried again unchanged. Each fails with its variant's
// build (the knob of the round's first commit).
func TestWarPlacementVariantsHold(t *testing.T) {
	holdsHostileCases(t, []namedHistory{
		// P (and the thirteenth round's E): the exclusions the trials
		// fixed at a statement completed before the others due there.
		// Before the attack the voter 82fd95 is excluded under a quorum
		// of one that the shrinking cell let pass, an outcome that
		// holds without the attacker's votes; after it the attacker and
		// e01ba0 are fixed at the attacker's place, and with the fixed
		// ones first e01ba0 goes before 82fd95 and takes its vote
		// against 82fd95 along, and 82fd95 stays a member.
		{"TieAtTheForkersPlaceGoesById", 1639},
		// C: an exclusion fixed at a statement lowers the majority the
		// others need only from the next statement that can change who
		// is a member; the exclusions it makes due fall there, and a
		// person who was a member before the attack, without the
		// attacker's votes too, is excluded.
		{"FixedEndLowersTheMajorityAtOnce", 3},
		// c: the same for forkers only; the pile-up at the forker's
		// place moves to the next statement, where a true race fixes a
		// voter against the attacker.
		{"ForkersEndLowersTheMajorityAtOnce", 968},
		// G: a vote against someone who had seen it before voting
		// against its author is not contested; the honest wars before
		// the attack derive differently, and after it a person
		// excluded before comes back and one who was a member without
		// the attacker's votes is excluded.
		{"AnsweredAccusationIsStillContested", 938},
	})
}

// TestWarAnsweredBackdatedAccusationDoesNotRescue is the attack that
// variants G and g let through (ROUNDS.md, fifteenth round): a vote of
// someone voted out against a person who voted against them stays
// contested even when that person had seen it before voting, because
// its author can backdate it and send it to that person alone. In a
// cell of four where a majority excludes, Wim votes Mal out and Ana
// votes against Vic. Mal, on a device that went on after Wim's vote,
// forks: a vote against Vic built on the cell as it was before any
// vote, sent to Vic only. Vic, having seen it, votes Mal out. Were
// Mal's vote weighed in Mal's own trial because Vic had seen it, it
// would exclude Vic, with Ana's, before Vic's vote counted, and Mal,
// with Wim's vote alone against him, would stay a member: a self-rescue
// and a counter-attack. Contested, it loses the race, and Vic stays.
// It runs under the fixed cell ids of eachCellID: with the variants the
// attack wins in most orders of the statements.
func TestWarAnsweredBackdatedAccusationDoesNotRescue(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		ana, wim, vic, mal := person(t, 0), person(t, 1), person(t, 2), person(t, 3)
		base := testCell(t, ana, "Cell", t0)
		for _, p := range []*identity.Identity{wim, vic, mal} {
			admitJoin(base, ana, p, t0)
		}
		heads := base.State().Heads
		dev := map[*identity.Identity]*Cell{}
		for _, p := range []*identity.Identity{ana, wim, vic, mal} {
			dev[p] = must(Load(base.Save()))
		}
		must(dev[wim].VoteExclude(wim, mal.Card.ID(), t0))
		must(dev[ana].VoteExclude(ana, vic.Card.ID(), t0))
		if err := dev[mal].Merge(dev[wim]); err != nil {
			t.Fatal(err)
		}
		must(dev[mal].Rate(mal, ana.Card, rating(3, 3), t0))
		forge(t, dev[vic], mal, &Statement{Kind: KindExclude, Subject: vic.Card.ID()}, heads, true)
		must(dev[vic].VoteExclude(vic, mal.Card.ID(), t0))
		st := merged(t, dev[ana], dev[wim], dev[vic], dev[mal]).State()
		if got := status(st, mal); got != StatusExcluded {
			t.Errorf("Mal %s, want excluded: his backdated vote against Vic rescued him", got)
		}
		if got := status(st, vic); got != StatusMember {
			t.Errorf("Vic %s, want member: Mal's backdated vote against her counted", got)
		}
	})
}
