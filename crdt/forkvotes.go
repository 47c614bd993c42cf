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
