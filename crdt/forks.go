package crdt

import (
	"bytes"
	"slices"

	"trustdesk/identity"
)

// Forked histories, over every author (SCHEMA §4.9).
//
// An honest device builds every statement on its author's earlier ones
// (its prev holds the heads of a document that holds them), so the
// statements of one author form a chain: each one in the past of the
// next. Two statements of one author neither of which is in the other's
// past were made by a modified client: a backdated statement beside
// later ones, or different statements sent to different devices. The
// rules look for such forks only among the people a trial weighs
// (forkers, rules.go); this looks at every author, for what an import
// tells the user, and changes no state.

// forkVisits is how many statements the search of forked histories
// may visit per statement in the cell (plus forkVisitsBase): its work
// is linear in the cell, whatever the statements' shape.
const (
	forkVisits     = 32
	forkVisitsBase = 4096
)

// ForkedAuthors returns, sorted, the authors who signed two statements
// of c neither of which is in the other's past, of those in only (all
// authors when only is nil). Only statements that carry their author's
// valid signature and whose past is whole count, so nobody but the
// author can make them look forked. complete is false when the work
// limit ran out before every author was looked at: the authors returned
// forked, others may have too. A cell whose statements cannot be read
// returns none.
func (c *Cell) ForkedAuthors(only map[identity.ID]bool) (forked []identity.ID, complete bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.warm(); err != nil {
		return nil, false
	}
	c.decodeAll()
	es := make([]*entry, 0, len(c.entries))
	for _, e := range c.entries {
		es = append(es, e)
	}
	nodes := signed(c.id, es, c.verifier(), func(*entry, Reason, string) {})
	order, _, _ := totalOrder(nodes)
	return forkedIn(order, only, forkVisits*len(order)+forkVisitsBase)
}

// forkedIn returns the authors, of those in only (all when nil), with
// two statements of order neither of which is in the other's past,
// visiting at most limit statements and prevs. Order is topological, so
// an author's statements form a chain exactly when each is in the past
// of their next one in order; and a path from a statement back to an
// earlier one j runs only through statements placed after j, so the
// search from each statement stops at its author's previous one.
func forkedIn(order []*node, only map[identity.ID]bool, limit int) ([]identity.ID, bool) {
	last := map[identity.ID]int{}
	found := map[identity.ID]bool{}
	seen := make([]int32, len(order)) // the search that last visited each, plus one
	var stack []int
	for i, n := range order {
		who := n.e.stmt.Author
		if found[who] || only != nil && !only[who] {
			continue
		}
		j, ok := last[who]
		last[who] = i
		if !ok {
			continue
		}
		in, spent := inPast(order, i, j, seen, &stack, limit)
		if limit -= spent; limit < 0 {
			return sortedIDs(found), false
		}
		if !in {
			found[who] = true
		}
	}
	return sortedIDs(found), true
}

// inPast reports whether order[j] is in the past of order[i] (j < i),
// searching back from i through statements placed after j, each once
// (seen marks them with i+1), and how many statements and prevs it
// visited; it gives up, reporting more than limit, beyond limit.
func inPast(order []*node, i, j int, seen []int32, stack *[]int, limit int) (bool, int) {
	mark := int32(i + 1)
	st := append((*stack)[:0], i)
	defer func() { *stack = st[:0] }()
	spent := 0
	for len(st) > 0 {
		k := st[len(st)-1]
		st = st[:len(st)-1]
		spent += 1 + len(order[k].prev)
		if spent > limit {
			return false, spent
		}
		for _, p := range order[k].prev {
			switch {
			case p == j:
				return true, spent
			case p > j && seen[p] != mark:
				seen[p] = mark
				st = append(st, p)
			}
		}
	}
	return false, spent
}

// sortedIDs returns the identities set in m, sorted.
func sortedIDs(m map[identity.ID]bool) []identity.ID {
	out := make([]identity.ID, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b identity.ID) int { return bytes.Compare(a[:], b[:]) })
	return out
}
