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
		if w.b.over() {
			break // again then keeps the first outcome: no more passes for a thousand forkers
		}
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

// afterFork returns the statements of who after the common past of
// their fork: the longest run of their first statements in the order in
// which each is in the past of the next and the last is in the past of
// every later one. Those in it were signed before the fork and are in
// the past of everything who signed after; the rest (both branches, and
// anything built on both) are after the fork. It returns nothing when
// all of who's statements are the common past, that is when who never
// forked their history (a forker by a contested leave alone): then none
// is kept by leftOut.
//
// It depends only on the order, so it is worked out once per forker per
// derivation (forkOf) and kept in w.late, which the war of
// withoutLeave's derivation over the same order shares: a forked
// leaver's is asked for by withoutLeave and again by that derivation's
// again. The budget is charged for the pass when it is made, and only
// then.
func (w *war) afterFork(who identity.ID) map[int]bool {
	late, ok := w.late[who]
	if onAfterFork != nil {
		onAfterFork(w.order, who, !ok)
	}
	if !ok {
		late = w.forkOf(who)
		if w.late == nil {
			w.late = map[identity.ID]map[int]bool{}
		}
		w.late[who] = late
	}
	return late
}

// forkOf works out afterFork's answer for who in one pass over the
// order: seen[i] is the last of who's first statements (a run, each in
// the past of the next) that order[i] has in its past, itself included,
// so a statement of who's is built on all their earlier ones exactly
// when seen of its prevs reaches the one before it. It costs one unit a
// statement and a prev, however many statements who signed (ten
// thousand ratings cost no more pairs).
func (w *war) forkOf(who identity.ID) map[int]bool {
	var own []int
	seen := make([]int, len(w.order))
	run := -1 // who's statements 0..run are each in the past of the next
	for i, n := range w.order {
		w.b.spend(1 + len(n.prev))
		s := -1
		for _, p := range n.prev {
			s = max(s, seen[p])
		}
		if n.e.stmt.Author == who {
			if len(own) == run+1 && s == run {
				run++
				s = run
			}
			own = append(own, i)
		}
		seen[i] = s
	}
	// The common past ends at the last t of the run that every later
	// statement of who's has in its past: lowest is the least seen of
	// those after t, walking back from the end.
	past, lowest := -1, len(own)
	for t := len(own) - 1; t >= 0; t-- {
		if t <= run && lowest >= t {
			past = t
			break
		}
		lowest = min(lowest, seen[own[t]])
	}
	late := map[int]bool{}
	for _, i := range own[past+1:] {
		late[i] = true
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
