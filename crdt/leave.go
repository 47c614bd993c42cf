package crdt

import (
	"maps"

	"trustdesk/identity"
)

// This file holds two parts of rules revision 19 (SCHEMA §4.4, trials,
// steps 4 and 5): excluded beats left also when a leave won only in the
// trials of others, and what a fixed forker signed after their place
// acts nowhere.
//
// A leave signed on a stale device, beside statements of its author's
// that the war had long rested on, ends the membership at the leave and
// cuts every statement of its author concurrent with it (concurrent
// endings). The leaver's own trial sets the leave aside, but everyone
// else's trials count it: there their honest votes are cut, the
// exclusions that rested on those votes no longer happen, and with
// those gone the leaver's own trial finds too few votes against them,
// so they have left (993 and 396 of TestHostileHistories "open"). So
// when a candidate with a contested leave who forked their history
// (signed a statement neither built on their leave nor built upon by
// it, which no honest device does) ends as someone who left, the cell
// is derived once more with the leave's side of their fork left out as
// if never sent: the leave and their contested statements after the
// fork in its past. That outcome is kept only when every such leaver is
// excluded in it. It gives them nothing they could not have by not
// sending that side, and a leaver not excluded without it keeps their
// leave, which still cuts what they signed beside it, so that a
// departed member cannot vote on by signing beside their leave
// (TestAttackVoteBesideOwnLeave, TestAttackVoteBesideOwnContestedLeave).

// forkedLeavers returns, of the candidates who forked their history and
// have a contested leave, those a does not show excluded, with the
// statements withoutLeave leaves out for them: each such leave, and
// their contested statements after their fork in its past.
func (w *war) forkedLeavers(a *applier) (map[identity.ID]bool, map[int]bool) {
	var who, out = map[identity.ID]bool(nil), map[int]bool(nil)
	var x *ancestry
	for _, c := range w.cands {
		if !c.forked {
			continue
		}
		if m := a.index[c.who]; m == nil || m.Status == StatusExcluded {
			continue
		}
		var leaves []int
		for _, i := range c.contested {
			if w.order[i].e.stmt.Kind == KindLeave {
				leaves = append(leaves, i)
			}
		}
		if len(leaves) == 0 {
			continue
		}
		if who == nil { // made only when there is a leaver: a war without one allocates nothing here
			who, out = map[identity.ID]bool{}, map[int]bool{}
			x = ancestryOf(w.order, w.b)
		}
		who[c.who] = true
		late := w.afterFork(c.who)
		for _, l := range leaves {
			out[l] = true
			w.b.spend(len(c.contested))
			if w.b.over() { // ten thousand leaves: no pair is looked at past the work limit
				return nil, nil
			}
			for _, i := range c.contested {
				if (len(late) == 0 || late[i]) && x.before(i, l, w.b) {
					out[i] = true
				}
			}
		}
	}
	return who, out
}

// withoutLeave derives the cell once more without what forkedLeavers
// names (revision 18's again included), and returns that outcome when
// every leaver it names is excluded in it, a otherwise. It runs at most
// once per derivation. Which statements it leaves out depends only on
// the statements, their graph and the rounds, which depend only on
// them, and whether it is kept is read off its outcome, so devices
// holding the same statements derive the same state.
func (w *war) withoutLeave(a *applier, void map[int]Reason) *applier {
	if w.b.over() {
		return a
	}
	who, out := w.forkedLeavers(a)
	if len(who) == 0 {
		return a
	}
	gone := maps.Clone(void)
	if gone == nil {
		gone = map[int]Reason{}
	}
	for i := range out {
		gone[i] = ReasonExcluded
	}
	base := settled(w.cell, w.order, gone, nil, nil, nil, w.b)
	a2, w2 := warOf(w.cell, w.order, base, gone, w.b)
	if w2 != nil {
		w2.late = w.late // the same order: each fork is found once (afterFork); forkedLeavers made the map
		a2 = w2.again(a2, gone)
	}
	if w.b.over() {
		return a
	}
	for x := range who {
		if m := a2.index[x]; m == nil || m.Status != StatusExcluded {
			return a
		}
	}
	return a2
}

// afterPlace returns the statements of each forker the rounds fixed
// that are built on the statement where they were fixed. Signed after
// their end, they count for nothing in the final state whatever they
// say, but they still act before it: a policy vote refused because its
// author was excluded is a statement that had an effect, so it made its
// author a candidate, first in every race (858 of TestHostileHistories
// "open", where the attack is built on the attacker's place). again
// leaves them out with the rest.
func (w *war) afterPlace() map[int]bool {
	out := map[int]bool{}
	var x *ancestry
	for at, ps := range w.excluded {
		for _, p := range ps {
			if !w.fixedForkers[p] {
				continue
			}
			if x == nil {
				x = ancestryOf(w.order, w.b)
			}
			w.b.spend(len(w.order) - at)
			if w.b.over() {
				return out // again then keeps the first outcome
			}
			for j := at + 1; j < len(w.order); j++ {
				if w.order[j].e.stmt.Author == p && x.after(j, at, w.b) {
					out[j] = true
				}
			}
		}
	}
	return out
}
