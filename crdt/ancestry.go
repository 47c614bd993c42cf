package crdt

// This file holds how the rules ask which statements are before and
// after which in the graph (SCHEMA §4.6, "Walks"): bit sets over a few
// marked statements, worked out in one pass in order, with a statement
// that adds nothing to what its one prev had seen sharing that prev's
// set, so a chain of ratings costs one unit a statement whatever the
// number of marked statements.

// pastIndex says, for every statement, which of the marked statements it
// has in its past, itself included.
type pastIndex struct {
	bit   []int32 // per order index: its bit, or -1 when not marked
	row   []int32 // per order index: the row that holds its past
	rows  []uint64
	words int
}

// newPastIndex works out the past of every statement over the marked
// ones (order index -> bit, bits numbered from 0). A statement gets a row
// of its own only when it is marked or has other than one prev; the
// others share their prev's. It costs one unit a statement plus the
// words of each row made and of each prev merged into it, and returns
// nil when the budget runs out.
func newPastIndex(order []*node, bit map[int]int, b *budget) *pastIndex {
	words := (len(bit) + 63) / 64
	x := &pastIndex{bit: make([]int32, len(order)), row: make([]int32, len(order)), words: words}
	b.spend(len(order))
	made := 0
	for i, n := range order {
		k, marked := bit[i]
		x.bit[i] = -1
		if marked {
			x.bit[i] = int32(k)
		}
		if !marked && len(n.prev) == 1 {
			x.row[i] = x.row[n.prev[0]]
			continue
		}
		b.spend(words * (1 + len(n.prev)))
		if b.over() {
			return nil
		}
		x.row[i] = int32(made)
		made++
		x.rows = append(x.rows, make([]uint64, words)...)
		row := x.rows[len(x.rows)-words:]
		for _, p := range n.prev {
			r := int(x.row[p]) * words
			for w, v := range x.rows[r : r+words] {
				row[w] |= v
			}
		}
		if marked {
			row[k/64] |= 1 << (k % 64)
		}
	}
	return x
}

// has reports whether the statement at order[i] has the marked
// statement of bit k in its past (itself included).
func (x *pastIndex) has(i, k int) bool {
	return x.rows[int(x.row[i])*x.words+k/64]&(1<<(k%64)) != 0
}

// ancestry answers, for one derivation, whether a statement is before
// or after another in the graph. Statements that can change who is a
// member (every kind but rate and card) are marked; a question about two
// statements of which the one asked about is not marked walks the graph
// from the other (once per statement per derivation).
type ancestry struct {
	order []*node
	past  *pastIndex
}

// ancestryOf returns the ancestry of the derivation of order, worked out
// the first time it is asked for and kept on order[0]: every order of
// one derivation (those rewritten for replaced cards, succession.go) has
// the same graph, and which statements are marked changes only which
// questions walk, not the answers. It returns nil when the budget runs
// out.
func ancestryOf(order []*node, b *budget) *ancestry {
	if len(order) == 0 {
		return nil
	}
	if a := order[0].ancestry; a != nil && len(a.order) == len(order) {
		return a // an order rewritten for replaced cards has the same graph
	}
	bit := map[int]int{}
	for i, n := range order {
		if k := n.e.stmt.Kind; k != KindRate && k != KindCard {
			bit[i] = len(bit)
		}
	}
	past := newPastIndex(order, bit, b)
	if past == nil {
		return nil
	}
	order[0].ancestry = &ancestry{order: order, past: past}
	return order[0].ancestry
}

// before reports whether order[i] is in the past of order[at] (not
// order[at] itself).
func (a *ancestry) before(i, at int, b *budget) bool {
	if a == nil || i >= at { // nil: the budget ran out, nothing counts
		return false
	}
	if k := a.past.bit[i]; k >= 0 && !fullWalks {
		return a.past.has(at, int(k))
	}
	return ancestors(a.order, at, b)[i]
}

// after reports whether order[j] is built on order[at] (not order[at]
// itself).
func (a *ancestry) after(j, at int, b *budget) bool {
	if a == nil || j <= at {
		return false
	}
	if k := a.past.bit[at]; k >= 0 && !fullWalks {
		return a.past.has(j, int(k))
	}
	return descendants(a.order, at, b)[j]
}

// concurrent reports whether order[i] and order[at] are different
// statements neither of which was built on the other.
func (a *ancestry) concurrent(i, at int, b *budget) bool {
	return i != at && !a.before(i, at, b) && !a.after(i, at, b)
}

// ancestors returns the statements in the past of order[at], worked out
// once per derivation and kept on the node. The walk visits only statements
// placed before order[at], so it costs at+1 units.
func ancestors(order []*node, at int, b *budget) []bool {
	n := order[at]
	if n.anc == nil {
		b.spend(at + 1)
		n.anc = reach(order, at, func(n *node) []int { return n.prev })
	}
	return n.anc
}

// fullWalks, when set (by a test), makes ancestry answer every question
// by walking the graph, as every derivation did before ancestry
// (TestAncestrySameOutcome).
var fullWalks bool
