package crdt

// This file holds which of a fixed person's own statements keep counting
// when the rounds fix them excluded (SCHEMA §4.4, trials; ROUNDS.md,
// "Sixteenth round: a forker's own earlier votes").

// forkVotes picks the variant measured in the sixteenth round (0: rules
// revision 17, every contested statement and every unseen one the place
// had not seen is set aside). A measurement knob, set only by a test.
var forkVotes int

// keptWhenFixed returns the statements of c, among those fix would set
// aside, that keep counting under the variant forkVotes: they are then
// set aside only as an honest member's statement is, by the
// concurrent-endings rule at c's place.
func (w *war) keptWhenFixed(c candidate) map[int]bool {
	if forkVotes == 0 {
		return nil
	}
	own := c.unseen
	if forkVotes == 4 || forkVotes == 5 {
		own = notIn(c.unseen, c.contested)
	}
	keep := map[int]bool{}
	switch forkVotes {
	case 1, 4, 6: // (a): the common past of a forker's fork
		if !c.forked {
			return nil
		}
		for _, i := range w.commonPast(c, forkVotes != 1) {
			keep[i] = true
		}
		for i := range keep {
			if !contains(own, i) {
				delete(keep, i)
			}
		}
	case 2, 3, 5: // (b): votes someone else acted on
		if forkVotes == 3 && !c.forked {
			return nil
		}
		for _, i := range own {
			if w.order[i].e.stmt.Kind == KindExclude && w.acknowledged(i) {
				keep[i] = true
			}
		}
	}
	return keep
}

// commonPast returns c's statements in the past of every statement of
// c's that no other of c's statements was built on (the tips of c's
// fork): what every branch of the fork builds on.
func (w *war) commonPast(c candidate, forkOnly bool) []int {
	var own []int
	for i, n := range w.order {
		if n.e.stmt.Author == c.who {
			own = append(own, i)
		}
	}
	x := ancestryOf(w.order, w.b)
	var tips []int
	for _, i := range own {
		tip := true
		for _, j := range own {
			if j > i && x.before(i, j, w.b) {
				tip = false
				break
			}
		}
		if tip {
			tips = append(tips, i)
		}
	}
	if forkOnly && len(tips) < 2 {
		return nil
	}
	var out []int
	for _, i := range own {
		all := true
		for _, t := range tips {
			if !x.before(i, t, w.b) {
				all = false
				break
			}
		}
		if all {
			out = append(out, i)
		}
	}
	return out
}

func notIn(xs, ys []int) []int {
	var out []int
	for _, x := range xs {
		if !contains(ys, x) {
			out = append(out, x)
		}
	}
	return out
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Variant 7 (d): a forked leave (a leave concurrent with another
// statement of its author's that acts on the cell) ends its author's
// membership only after the last of those, so that it takes back nothing
// its author signed on another branch of their fork.
type deferredLeaves struct {
	to    map[int]int   // leave -> the statement after which it ends the membership
	after map[int][]int // that statement -> the leaves
	ends  map[int]int   // the statement where a deferred leave ended -> the leave
}

func (a *applier) deferLeave(i int) bool {
	if forkVotes != 7 {
		return false
	}
	if a.fv == nil {
		a.fv = forkedLeaves(a.order, a.b)
	}
	j, ok := a.fv.to[i]
	if !ok {
		return false
	}
	a.fv.after[j] = append(a.fv.after[j], i)
	a.effect[i] = true
	return true
}

func (a *applier) leaveDeferred(j int) {
	if a.fv == nil {
		return
	}
	for _, i := range a.fv.after[j] {
		s := a.order[i].e.stmt
		if !a.isMember(s.Author) {
			continue
		}
		if _, cut := a.cut[i]; cut {
			continue
		}
		m := a.index[s.Author]
		a.endMembership(m)
		m.Status = StatusLeft
		m.End = s.id
		m.Joined = StatementID{}
		a.ends = append(a.ends, end{s.Author, j, ReasonLeft})
		a.fv.ends[j] = i
		a.counted++
		a.settle(j, nil, nil, true)
	}
	delete(a.fv.after, j)
}

// ownLeave reports whether order[i] is the leave whose deferred end is ev.
func (a *applier) ownLeave(ev end, i int) bool {
	if a.fv == nil || ev.reason != ReasonLeft {
		return false
	}
	l, ok := a.fv.ends[ev.at]
	return ok && l == i
}

func forkedLeaves(order []*node, b *budget) *deferredLeaves {
	d := &deferredLeaves{to: map[int]int{}, after: map[int][]int{}, ends: map[int]int{}}
	x := ancestryOf(order, b)
	for i, n := range order {
		s := n.e.stmt
		if s.Kind != KindLeave {
			continue
		}
		last := -1
		for j := i + 1; j < len(order); j++ {
			t := order[j].e.stmt
			if t.Author == s.Author && t.Kind != KindRate && t.Kind != KindCard && x.concurrent(j, i, b) {
				last = j
			}
		}
		if last > i {
			d.to[i] = last
		}
	}
	return d
}
