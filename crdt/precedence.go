package crdt

import (
	"bytes"
	"slices"

	"trustdesk/identity"
)

// This file holds the precedence of a true race (SCHEMA §4.4, trials;
// rules revision 17): which of the people a round found, each excluded
// only through the statements of the others found, the round fixes.
//
// Since revision 17 a vote counts a voter in a race only when it is one
// the race rests on or that someone else acted on knowing it: it is the
// place where the first trial of someone found in the race excluded
// them, or in the past of such a place, or someone other than its
// author built on it a statement that acts on the cell and that the
// rounds have not set aside. A vote sent to one device and built on by
// nobody (a backdated vote of an excluded member, or an honest member's
// vote cast without having seen the votes against them) weighs in no
// race, whenever its author is fixed.

// raceFirst returns the one of fs, the people a round found in a true
// race (in the candidates' precedence order), that the round fixes:
// whoever forked their history or has a contested leave, then whoever
// has more independent voters whose votes weigh in the race (weighs),
// then the junior, then the smaller identity id.
func (w *war) raceFirst(fs []verdict) verdict {
	best, most := fs[0], w.raceVoters(fs[0], fs)
	for _, f := range fs[1:] {
		n := w.raceVoters(f, fs)
		if w.raceBefore(f, n, best, most) {
			best, most = f, n
		}
	}
	return best
}

// raceBefore reports whether f, with n voters, comes before g, with m.
func (w *war) raceBefore(f verdict, n int, g verdict, m int) bool {
	c, d := w.cands[f.k], w.cands[g.k]
	if c.forked != d.forked {
		return c.forked
	}
	if n != m {
		return n > m
	}
	if c.joined != d.joined {
		return c.joined > d.joined
	}
	return bytes.Compare(c.who[:], d.who[:]) < 0
}

// raceVoters counts the voters against f's person whom that person did
// not vote against and one of whose votes against them weighs in the
// race fs.
func (w *war) raceVoters(f verdict, fs []verdict) int {
	c := w.cands[f.k]
	w.b.spend(len(c.against))
	n := 0
	for u, vs := range c.byVoter {
		if !slices.Contains(c.accuses, u) && slices.ContainsFunc(vs, func(i int) bool { return w.weighs(i, fs) }) {
			n++
		}
	}
	return n
}

// weighs reports whether the vote at order[i] weighs in the race fs: it
// is the place where the first trial of someone found in the race
// excluded them or is in the past of one, or it is acknowledged.
func (w *war) weighs(i int, fs []verdict) bool {
	x := ancestryOf(w.order, w.b)
	return slices.ContainsFunc(fs, func(g verdict) bool { return i == g.at || x.before(i, g.at, w.b) }) || w.acknowledged(i)
}

// acknowledged reports whether someone other than the author of the
// vote at order[i] built on it a statement that acts on the cell (not a
// rating or a card) and that is not set aside so far. The answer depends
// only on the statements, their graph and the statements the rounds
// before set aside; it is worked out for every statement at once
// (acknowledgedBy), again only when the rounds have set more aside (the
// set only grows).
func (w *war) acknowledged(i int) bool {
	if w.acks == nil || w.acksAt != len(w.frozen) {
		w.acks, w.acksAt = acknowledgedBy(w.order, w.frozen, w.b), len(w.frozen)
	}
	return w.acks[i]
}

// authors2 holds up to two distinct authors.
type authors2 struct {
	who [2]identity.ID
	n   int
}

func (s *authors2) add(a identity.ID) {
	if s.n == 2 || (s.n == 1 && s.who[0] == a) {
		return
	}
	s.who[s.n] = a
	s.n++
}

// acknowledgedBy marks each statement on which someone other than its
// author built a statement acting on the cell that is not in gone. One
// pass from the last statement to the first (a statement's prev come
// before it in the order) carries, for every statement, up to two
// distinct authors of such statements in its future (two suffice: one
// of them is not the author): one unit of work per statement and per
// prev.
func acknowledgedBy(order []*node, gone map[int]Reason, b *budget) []bool {
	b.spend(len(order))
	future := make([]authors2, len(order))
	acks := make([]bool, len(order))
	for j := len(order) - 1; j >= 0; j-- {
		s := order[j].e.stmt
		f := future[j]
		acks[j] = f.n == 2 || (f.n == 1 && f.who[0] != s.Author)
		if _, out := gone[j]; !out && s.Kind != KindRate && s.Kind != KindCard {
			f.add(s.Author)
		}
		b.spend(len(order[j].prev))
		for _, p := range order[j].prev {
			for k := range f.n {
				future[p].add(f.who[k])
			}
		}
	}
	return acks
}
