package crdt

import (
	"maps"

	"trustdesk/identity"
)

// This file holds the second derivation of a war (SCHEMA §4.4, trials;
// rules revision 18): what the rounds set aside for a forker they fixed
// weighs nowhere, as if it had never been sent.
//
// A forker (someone who forked their history or has a contested leave)
// is fixed first in a race, and their statements the place of their
// exclusion had not seen are set aside. But those statements still took
// part in the first pass and in the candidates: a backdated vote
// against a bystander that completed the bystander's exclusion there
// cut the bystander's own votes and so made them a candidate and the
// person they raced none, and a leave signed on a stale device made its
// author a candidate first in every race, whose exclusion fixed at a
// place others shared moved the races after it. So once the rounds
// have fixed a forker, the cell is derived once more from the start,
// first pass, candidates, precedence and rounds, with the forker's
// contested statements and set-aside votes to exclude left out, as
// "Signed after the end" leaves out what no honest device signs (their
// policy votes that cannot help them stay: leaving those out would let
// a forker take back a policy vote). The second outcome is kept only
// when every such forker is still excluded in it: leaving out their
// statements must not bring them back. Statements set aside for
// someone who is no forker (an honest vote cast beside the votes
// against its author) are not left out so:
// TestWarKnownGapSetAsideVoteMakesACandidate.

// noteForkers records the forkers among the people a round fixes.
func (w *war) noteForkers(fixed []verdict) {
	for _, f := range fixed {
		if c := w.cands[f.k]; c.forked {
			if w.fixedForkers == nil {
				w.fixedForkers = map[identity.ID]bool{}
			}
			w.fixedForkers[c.who] = true
		}
	}
}

// leftOut returns the statements again leaves out: of those the rounds
// set aside for the forkers they fixed, the contested ones (their
// leave, admissions, policy votes that make exclusion harder or
// admission easier, votes against their voters) and every vote to
// exclude. Their other policy votes, which cannot help them, stay: a
// forker must not take back a policy vote the cell relied on by having
// it left out.
func (w *war) leftOut() map[int]bool {
	out := map[int]bool{}
	for _, c := range w.cands {
		if !w.fixedForkers[c.who] {
			continue
		}
		w.b.spend(len(c.unseen))
		late := w.afterFork(c.who)
		kept := func(i int) bool { return len(late) > 0 && !late[i] }
		for _, i := range c.contested {
			if !kept(i) {
				out[i] = true
			}
		}
		for _, i := range c.unseen {
			if _, set := w.frozen[i]; set && !kept(i) && w.order[i].e.stmt.Kind == KindExclude {
				out[i] = true
			}
		}
	}
	return out
}

// forkLooks is how many statements of a forker afterFork compares pair
// by pair; a forker with more is treated as if all their statements were
// after their fork (leftOut then leaves out what revision 18 as first
// merged did), so that ten thousand statements cost no more than 64.
const forkLooks = 64

// afterFork returns the statements of who that some other statement of
// theirs was neither built on nor built upon: those after their fork.
// Their statements in the common past of the fork are not among them.
// It returns nothing when who never forked their history (a forker by
// a contested leave alone) or signed more than forkLooks statements:
// then none is kept by leftOut.
func (w *war) afterFork(who identity.ID) map[int]bool {
	var own []int
	w.b.spend(len(w.order))
	for i, n := range w.order {
		if n.e.stmt.Author == who {
			own = append(own, i)
		}
	}
	if len(own) > forkLooks {
		return nil
	}
	x := ancestryOf(w.order, w.b)
	late := map[int]bool{}
	for a, i := range own {
		for _, j := range own[a+1:] {
			w.b.spend(1)
			if !x.before(i, j, w.b) {
				late[i], late[j] = true, true
			}
		}
	}
	return late
}

// again derives the cell once more with the statements leftOut and
// afterPlace name left out as if never sent, and returns that outcome
// when every forker the rounds fixed is excluded in it, a (the outcome
// of the rounds) otherwise. It runs at most once per derivation (the
// second derivation is not derived again), and once more inside
// withoutLeave's. Which statements it leaves out depends only on the
// statements, their total order and the rounds, which depend only on
// them, so devices holding the same statements derive the same state.
func (w *war) again(a *applier, void map[int]Reason) *applier {
	if len(w.fixedForkers) == 0 || w.b.over() {
		return a
	}
	gone := maps.Clone(void)
	if gone == nil {
		gone = map[int]Reason{}
	}
	for i := range w.leftOut() {
		gone[i] = w.frozen[i]
	}
	for i := range w.afterPlace() { // revision 19 (leave.go)
		if _, ok := gone[i]; !ok {
			gone[i] = ReasonExcluded
		}
	}
	base := settled(w.cell, w.order, gone, nil, nil, nil, w.b)
	a2, _ := warOf(w.cell, w.order, base, gone, w.b)
	if w.b.over() {
		return a
	}
	for x := range w.fixedForkers {
		if m := a2.index[x]; m == nil || m.Status != StatusExcluded {
			return a
		}
	}
	return a2
}
