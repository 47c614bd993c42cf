package crdt

import (
	"bytes"
	"slices"

	"trustdesk/identity"
)

// placement names the variant of where a removal is placed that a
// measurement runs (ROUNDS.md, fifteenth round); empty outside it. Set
// with -ldflags "-X trustdesk/crdt.placement=P".
var placement string

func placementHas(v byte) bool { return bytes.IndexByte([]byte(placement), v) >= 0 }

// dueFirst reports whether x's exclusion, due at order[at] together with
// y's, happens first: with variant P an exclusion the trials fixed at
// that statement goes before one they did not, then the smaller id.
func (a *applier) dueFirst(x, y identity.ID, at int) bool {
	if placementHas('P') {
		fx, fy := slices.Contains(a.forced[at], x), slices.Contains(a.forced[at], y)
		if fx != fy {
			return fx
		}
	}
	return bytes.Compare(x[:], y[:]) < 0
}

// placeApartFromForkers returns, with variant A, where c is excluded in
// a trial without the unseen statements of the forkers fixed at at and
// without their exclusions there, when that is earlier than at.
func (w *war) placeApartFromForkers(c candidate, others []int, at int) int {
	if !placementHas('A') && !placementHas('a') {
		return at
	}
	var gone []identity.ID
	for _, x := range w.excluded[at] {
		if w.forked[x] {
			gone = append(gone, x)
		}
	}
	if len(gone) == 0 {
		return at
	}
	extra := slices.Clone(others)
	for _, k := range w.cands {
		if slices.Contains(gone, k.who) {
			extra = append(extra, k.unseen...)
		}
	}
	if placementHas('A') {
		w.skip = gone
	}
	a2, ok := w.try(c, extra)
	w.skip = nil
	if ok && a2 < at {
		return a2
	}
	return at
}

// settleDeferred, with variant C, settles at order[i] what the forced
// exclusions at an earlier statement made due, when order[i] can change
// who is a member (not a rating or a card).
func (a *applier) settleDeferred(i int) {
	if !a.deferred {
		return
	}
	if k := a.order[i].e.stmt.Kind; k == KindRate || k == KindCard {
		return
	}
	a.deferred = false
	a.settle(i, nil, nil, true)
}

// answered reports, with variant G, whether s, at order[i], is a vote
// against someone every one of whose votes against s's author had it in
// its past: an accusation they answered, not an answer to them.
func answered(order []*node, v votes, i int, s *Statement) bool {
	if !(placementHas('G') || placementHas('g') && forkedNow[s.Author]) || s.Kind != KindExclude {
		return false
	}
	x := ancestryOf(order, nil)
	any := false
	for _, j := range v.against[s.Author] {
		if order[j].e.stmt.Author != s.Subject {
			continue
		}
		any = true
		if !x.before(i, j, nil) {
			return false
		}
	}
	return any
}

// lateShrink, with variant c, names the forkers whose forced exclusion
// lowers the majority only from the next acting statement on (set
// around a trial's or the final run; measurement only).
var lateShrink map[identity.ID]bool

// forkedNow, with variant g, names the people with votes against them
// who forked their history (set by helpingStatements; measurement only).
var forkedNow map[identity.ID]bool
