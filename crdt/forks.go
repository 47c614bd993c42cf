package crdt

import (
	"bytes"
	"cmp"
	"maps"
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

// NewlyForked returns, sorted, the authors whom the statements c holds
// and old, the same cell as held before (nil for none), lacks show
// forking their history, as [Cell.ForkedAuthors] would find in c and
// not in old. For a cell that storage holds, it looks only at what
// storage lacks of c, so its work follows what is new when nobody
// forks: each new statement of an author must have that author's
// previous statement (the new one before it, or the one with the
// largest seq held before) in its past. Only for the authors whose new
// statements do not, it looks at all of old, to leave out those who
// had forked already. complete is false when the work limit ran out.
func (c *Cell) NewlyForked(old *Cell) (forked []identity.ID, complete bool) {
	if old == nil {
		return c.ForkedAuthors(nil)
	}
	before := old.State()
	old.mu.Lock()
	heldNew := maps.Clone(old.unsaved) // new to storage, not to old
	old.mu.Unlock()
	c.mu.Lock()
	incremental := c.inStore && len(c.gone) == 0 && c.entries != nil && c.state != nil
	if incremental {
		forked, complete = c.forkedNew(before, heldNew)
	}
	c.mu.Unlock()
	if !incremental {
		forked, complete = c.ForkedAuthors(nil)
	}
	if len(forked) == 0 {
		return forked, complete
	}
	only := make(map[identity.ID]bool, len(forked))
	for _, id := range forked {
		only[id] = true
	}
	was, _ := old.ForkedAuthors(only)
	for _, id := range was {
		delete(only, id)
	}
	return sortedIDs(only), complete
}

// forkedNew is NewlyForked for a cell whose new statements are those
// storage lacks (c.unsaved) but the cell as held, of state before, has
// (not in held, what storage lacks of it). The caller holds c.mu.
func (c *Cell) forkedNew(before *State, held map[string]bool) ([]identity.ID, bool) {
	byAuthor := map[identity.ID][]*entry{}
	verify := c.verifier()
	for k := range c.unsaved {
		e := c.entries[k]
		if e == nil || held[k] {
			continue
		}
		e.decode()
		if e.stmt == nil || !e.keyOK || e.stmt.Cell != c.id {
			continue
		}
		card := c.state.Cards[e.stmt.Author]
		if card == nil || !checkSig(e, card, verify) {
			continue // only the author's own signed words count
		}
		byAuthor[e.stmt.Author] = append(byAuthor[e.stmt.Author], e)
	}
	found := map[identity.ID]bool{}
	limit := forkVisits*len(c.unsaved) + forkVisitsBase
	for who, es := range byAuthor {
		slices.SortFunc(es, func(x, y *entry) int {
			if x.stmt.Seq != y.stmt.Seq {
				return cmp.Compare(x.stmt.Seq, y.stmt.Seq)
			}
			return compareIDs(x.stmt.id, y.stmt.id)
		})
		last := before.seq[who]
		for k, e := range es {
			var is func(*entry) bool
			switch {
			case k > 0 && e.stmt.Seq == es[k-1].stmt.Seq, k == 0 && last > 0 && e.stmt.Seq <= last:
				found[who] = true // two statements in one place of their history
			case k > 0:
				want := es[k-1]
				is = func(x *entry) bool { return x == want }
			case last > 0:
				is = func(x *entry) bool {
					return (!c.unsaved[x.key] || held[x.key]) && x.stmt != nil && x.stmt.Author == who && x.stmt.Seq == last
				}
			}
			if found[who] {
				break
			}
			if is == nil {
				continue
			}
			in, spent := c.pastHas(e, is, limit)
			if limit -= spent; limit < 0 {
				return sortedIDs(found), false
			}
			if !in {
				found[who] = true
				break
			}
		}
	}
	return sortedIDs(found), true
}

// pastHas reports whether the past of e holds a statement is matches,
// searching breadth first (an author's previous statement is most often
// a few steps back), and how many statements and prevs it visited; it
// gives up, reporting more than limit, beyond limit. A past with a
// statement missing reports true: e does not count (missing prev), and
// a sender who leaves out what it was built on must not make its
// author look forked. The caller holds c.mu.
func (c *Cell) pastHas(e *entry, is func(*entry) bool, limit int) (bool, int) {
	seen := map[*entry]bool{e: true}
	queue := []*entry{e}
	spent := 0
	whole := true
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		x.decode()
		if x.stmt == nil {
			whole = false // damaged: what it was built on cannot be read
			continue
		}
		spent += 1 + len(x.stmt.Prev)
		if spent > limit {
			return false, spent
		}
		for _, id := range x.stmt.Prev {
			p := c.entries[id.String()]
			whole = whole && p != nil
			if p == nil || seen[p] {
				continue
			}
			if p.decode(); is(p) {
				return true, spent
			}
			seen[p] = true
			queue = append(queue, p)
		}
	}
	return !whole, spent
}
