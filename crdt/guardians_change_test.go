package crdt

import (
	"errors"
	"slices"
	"testing"
	"time"

	"trustdesk/identity"
)

// Changing guardians (SCHEMA §4.5): Ana's guardians in force are g0, g1
// and g2, two needed. She changes them to g2, e8 and e9, two needed, with
// the confirmations of g0 and g1, who are then dropped.

func newGuardiansOfAna(t testing.TB) []*identity.Identity {
	return []*identity.Identity{guardiansOfAna(t)[2], extra(t, 8), extra(t, 9)}
}

// nonce returns the nonce of Ana's n-th change in the tests.
func nonce(n byte) [16]byte { return [16]byte{n, 0xc4} }

// changeConfirmations are the confirmations by of Ana's change n to the
// guardians to, need of them needed.
func changeConfirmations(t testing.TB, by, to []*identity.Identity, need int, n byte) []Confirmation {
	gs := ChangeCommitments(ana(t), keysOf(to))
	var cs []Confirmation
	for _, g := range by {
		cs = append(cs, ConfirmChange(g, ana(t).Card.ID(), need, gs, nonce(n)))
	}
	return cs
}

// forgeChange signs, as Ana, her change n to the guardians to with the
// confirmations cs (salted for the set set), and the given prev.
func forgeChange(t testing.TB, c *Cell, set *GuardianSet, to []*identity.Identity, need int, n byte, cs []Confirmation, prev []StatementID, grind bool) *Statement {
	t.Helper()
	s := &Statement{Kind: KindGuardians, Need: need, Guardians: ChangeCommitments(ana(t), keysOf(to)), Nonce: nonce(n)}
	s.Confirmations = c.salted(ana(t), set, cs)
	return forge(t, c, ana(t), s, prev, grind)
}

// changedCell is guardedCell after Ana's change, built on by Bo and Cy.
func changedCell(t testing.TB) (c *Cell, before []StatementID, change *Statement) {
	t.Helper()
	bo, cy := person(t, 1), person(t, 2)
	c = guardedCell(t)
	before = c.State().Heads
	g := guardiansOfAna(t)
	change = must(c.ChangeGuardians(ana(t), keysOf(newGuardiansOfAna(t)), 2, nonce(1), changeConfirmations(t, g[:2], newGuardiansOfAna(t), 2, 1), t0.Add(time.Minute)))
	must(c.Rate(bo, cy.Card, rating(3, 3), t0.Add(2*time.Minute)))
	must(c.Rate(cy, bo.Card, rating(3, 3), t0.Add(2*time.Minute)))
	return c, before, change
}

func guardiansInForce(t testing.TB, st *State) *GuardianSet {
	t.Helper()
	set, ok := st.Guardians(ana(t).Card.ID())
	if !ok {
		t.Fatal("no guardians of Ana in force")
	}
	return set
}

// TestChangeGuardiansCounts: a change confirmed by two of the guardians in
// force counts; a replacement then needs the new guardians, and the
// dropped ones can no longer confirm one, even placed before the change.
func TestChangeGuardiansCounts(t *testing.T) {
	c, before, change := changedCell(t)
	st := c.State()
	set := guardiansInForce(t, st)
	if set.Statement != change.ID() || !set.Changed || !slices.Equal(set.Guardians, ChangeCommitments(ana(t), keysOf(newGuardiansOfAna(t)))) || reasonOf(st, change.ID()) != "" {
		t.Fatalf("after the change: %+v, reason %q", set, reasonOf(st, change.ID()))
	}
	g, n := guardiansOfAna(t), newGuardiansOfAna(t)
	// The dropped guardians confirm a replacement: refused on the device,
	// void when forged, after the change or backdated before it.
	if _, err := must(Load(c.Save())).Replace(ana(t), anaNew(t), confirmations(g[:2], ana(t).Card.ID(), anaNew(t).Card), t0.Add(time.Hour)); err == nil {
		t.Fatal("the dropped guardians confirmed a replacement on the device")
	}
	for _, prev := range [][]StatementID{c.State().Heads, before} {
		thief := must(Load(c.Save()))
		r := forgeReplace(t, thief, ana(t), thiefNew(t), confirmations(g[:2], ana(t).Card.ID(), thiefNew(t).Card), prev, true)
		if st := thief.State(); reasonOf(st, r.ID()) != ReasonNotConfirmed || st.IsMember(thiefNew(t).Card.ID()) {
			t.Fatalf("a replacement confirmed by the dropped guardians: %q", reasonOf(st, r.ID()))
		}
	}
	// The new guardians confirm Ana's replacement (g2 is in both sets,
	// e8 only in the new one).
	owner := must(Load(c.Save()))
	r := must(owner.Replace(ana(t), anaNew(t), confirmations(n[:2], ana(t).Card.ID(), anaNew(t).Card), t0.Add(time.Hour)))
	if st := owner.State(); reasonOf(st, r.ID()) != "" || !st.IsMember(anaNew(t).Card.ID()) {
		t.Fatalf("Ana's replacement with her new guardians: %q", reasonOf(st, r.ID()))
	}
}

// TestChangeGuardiansRefused: a change made by the card alone (no
// confirmations, or a thief's fakes), with fewer confirmations than
// needed, with confirmations of another set or by guardians not in
// force, or backdated to before the guardians it changes, does not count;
// the guardians in force stay.
func TestChangeGuardiansRefused(t *testing.T) {
	c := guardedCell(t)
	early := must(Load(c.Save()))
	var found []StatementID
	for _, s := range c.Statements() {
		if s.Kind == KindFound {
			found = append(found, s.ID())
		}
	}
	set := guardiansInForce(t, c.State())
	g, n := guardiansOfAna(t), newGuardiansOfAna(t)
	if _, err := must(Load(c.Save())).ChangeGuardians(ana(t), keysOf(fakes(t)), 1, nonce(1), nil, t0); err == nil {
		t.Fatal("a change without confirmations was made")
	}
	if _, err := must(Load(c.Save())).ChangeGuardians(ana(t), keysOf(n), 2, nonce(1), changeConfirmations(t, g[:1], n, 2, 1), t0); err == nil {
		t.Fatal("a change with one confirmation of two was made")
	}
	heads := c.State().Heads
	other := []*identity.Identity{g[2], fakes(t)[0], fakes(t)[1]}
	cases := map[string]*Statement{
		"a second naming": forge(t, c, ana(t), &Statement{Kind: KindGuardians, Need: 1, Guardians: ChangeCommitments(ana(t), keysOf(fakes(t)))}, heads, true),
		"fakes confirm":   forgeChange(t, c, set, fakes(t), 1, 1, changeConfirmations(t, fakes(t), fakes(t), 1, 1), heads, true),
		"one of two":      forgeChange(t, c, set, n, 2, 1, changeConfirmations(t, g[:1], n, 2, 1), heads, true),
		"another set":     forgeChange(t, c, set, other, 2, 1, changeConfirmations(t, g[:2], n, 2, 1), heads, true),
		"another need":    forgeChange(t, c, set, n, 1, 1, changeConfirmations(t, g[:2], n, 2, 1), heads, true),
		"another nonce":   forgeChange(t, c, set, n, 2, 2, changeConfirmations(t, g[:2], n, 2, 1), heads, true),
		"new guardians":   forgeChange(t, c, set, n, 2, 1, changeConfirmations(t, n[1:], n, 2, 1), heads, true),
		"backdated":       forgeChange(t, c, set, other, 2, 1, changeConfirmations(t, g[:2], other, 2, 1), found, true),
		"backdated later": forgeChange(t, c, set, other, 2, 1, changeConfirmations(t, g[1:], other, 2, 1), found, false),
	}
	for _, x := range []*Cell{c, merged(t, early, c)} {
		st := x.State()
		if now := guardiansInForce(t, st); now.Statement != set.Statement {
			t.Fatalf("the guardians in force changed to %+v", now)
		}
		for name, s := range cases {
			if r := reasonOf(st, s.ID()); r != ReasonNotConfirmed && r != ReasonNoAuthority {
				t.Errorf("%s: reason %q", name, r)
			}
		}
	}
	// Nothing changed: the guardians in force still confirm.
	r := must(c.Replace(ana(t), anaNew(t), confirmations(g[:2], ana(t).Card.ID(), anaNew(t).Card), t0.Add(time.Hour)))
	if reasonOf(c.State(), r.ID()) != "" {
		t.Fatal("the guardians in force no longer confirm a replacement")
	}
}

// TestChangeGuardiansConcurrent: two different changes of the same
// guardians, each confirmed (coerced guardians), made beside each other:
// neither counts and the guardians stay. The same change copied beside
// itself (a thief replaying Ana's) counts once, and Ana's next change,
// built on her own, still counts.
func TestChangeGuardiansConcurrent(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		c := guardedCell(t)
		set := guardiansInForce(t, c.State())
		g, n := guardiansOfAna(t), newGuardiansOfAna(t)
		other := []*identity.Identity{g[2], fakes(t)[0], fakes(t)[1]}
		heads := c.State().Heads

		two := must(Load(c.Save()))
		forgeChange(t, two, set, n, 2, 1, changeConfirmations(t, g[:2], n, 2, 1), heads, false)
		forgeChange(t, two, set, other, 2, 2, changeConfirmations(t, g[1:], other, 2, 2), heads, true)
		if now := guardiansInForce(t, two.State()); now.Statement != set.Statement {
			t.Fatalf("one of two changes at once counted: %+v", now)
		}

		mine := must(c.ChangeGuardians(ana(t), keysOf(n), 2, nonce(1), changeConfirmations(t, g[:2], n, 2, 1), t0.Add(time.Minute)))
		replay := forgeChange(t, c, set, n, 2, 1, changeConfirmations(t, g[:2], n, 2, 1), heads, true)
		if now := guardiansInForce(t, c.State()); !slices.Equal(now.Guardians, mine.Guardians) || reasonOf(c.State(), replay.ID()) != "" {
			t.Fatalf("the change and its copy: %+v, copy %q", now, reasonOf(c.State(), replay.ID()))
		}
		third := []*identity.Identity{n[0], n[1], fakes(t)[2]}
		next := must(c.ChangeGuardians(ana(t), keysOf(third), 2, nonce(2), changeConfirmations(t, n[1:], third, 2, 2), t0.Add(2*time.Minute)))
		if now := guardiansInForce(t, c.State()); now.Statement != next.ID() {
			t.Fatalf("Ana's second change did not count: %+v", now)
		}
	})
}

// TestChangeGuardiansReplayed: Ana changes her guardians three times; the
// thief plays her second change again after the third, where its
// confirmers (e8, e9) are guardians in force again: it does not count, and
// the guardians she dropped in the third change stay dropped.
func TestChangeGuardiansReplayed(t *testing.T) {
	c, _, _ := changedCell(t) // change 1: g2, e8, e9
	g, f := guardiansOfAna(t), fakes(t)
	e8, e9 := extra(t, 8), extra(t, 9)
	second := []*identity.Identity{g[2], f[0], f[1]}
	must(c.ChangeGuardians(ana(t), keysOf(second), 2, nonce(2), changeConfirmations(t, []*identity.Identity{e8, e9}, second, 2, 2), t0.Add(time.Hour)))
	set2 := guardiansInForce(t, c.State())
	third := []*identity.Identity{e8, e9, f[2]}
	last := must(c.ChangeGuardians(ana(t), keysOf(third), 2, nonce(3), changeConfirmations(t, f[:2], third, 2, 3), t0.Add(2*time.Hour)))
	set3 := guardiansInForce(t, c.State())
	replay := forgeChange(t, c, set3, second, 2, 2, changeConfirmations(t, []*identity.Identity{e8, e9}, second, 2, 2), c.State().Heads, false)
	st := c.State()
	if now := guardiansInForce(t, st); now.Statement != last.ID() || reasonOf(st, replay.ID()) != ReasonNotConfirmed {
		t.Fatalf("the replayed change: guardians %v (second %v), reason %q", now.Statement, set2.Statement, reasonOf(st, replay.ID()))
	}
}

// TestAttackDroppedGuardiansUndoChange: Ana dropped g0 and g1 and Bo and
// Cy built on her change. The thief holds Ana's card (or g0 and g1 rebuilt
// it from their pieces); g0 and g1 confirm his own change of the old set,
// backdated beside hers, with or without a ring of fakes he admits with
// the card to build on his. Hers was built on first by the members there
// when the old guardians came into force, so it stays; the
// dropped guardians cannot confirm a replacement, and Ana's new guardians
// can.
func TestAttackDroppedGuardiansUndoChange(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		c, before, change := changedCell(t)
		old := must(Load(c.Save()))
		g, n, f := guardiansOfAna(t), newGuardiansOfAna(t), fakes(t)
		oldSet := guardiansInForce(t, guardedCell(t).State()) // the set her change dropped
		ring := []*identity.Identity{fixedIdentity("Ring 1", 21), fixedIdentity("Ring 2", 22), fixedIdentity("Ring 3", 23)}
		for mode, grind := range []bool{false, true, true} {
			thief := must(Load(old.Save()))
			theirs := forgeChange(t, thief, oldSet, f, 2, 7, changeConfirmations(t, g[:2], f, 2, 7), before, grind)
			if mode == 2 {
				// With the card alone (one vouch admits) he admits a ring of
				// fakes, backdated, whose first statements build on his change.
				for _, r := range ring {
					adm := forge(t, thief, ana(t), &Statement{Kind: KindAdmit, Card: r.Card}, []StatementID{theirs.ID()}, grind)
					forge(t, thief, r, &Statement{Kind: KindJoin}, []StatementID{adm.ID()}, grind)
				}
				if !thief.State().IsMember(ring[2].Card.ID()) {
					t.Fatal("the ring did not get in")
				}
			}
			r := forgeReplace(t, thief, ana(t), thiefNew(t), confirmations(g[:2], ana(t).Card.ID(), thiefNew(t).Card), thief.State().Heads, grind)
			st := thief.State()
			if now := guardiansInForce(t, st); now.Statement != change.ID() || reasonOf(st, theirs.ID()) != ReasonNotConfirmed {
				t.Fatalf("grind %v: guardians in force %v (Ana's change %v), the thief's change %q", grind, now.Statement, change.ID(), reasonOf(st, theirs.ID()))
			}
			if reasonOf(st, r.ID()) == "" || st.IsMember(thiefNew(t).Card.ID()) {
				t.Fatalf("grind %v: the dropped guardians replaced Ana's card", grind)
			}
			owner := must(Load(thief.Save()))
			mine := must(owner.Replace(ana(t), anaNew(t), confirmations(n[:2], ana(t).Card.ID(), anaNew(t).Card), t0.Add(time.Hour)))
			if st := owner.State(); reasonOf(st, mine.ID()) != "" || !st.IsMember(anaNew(t).Card.ID()) {
				t.Fatalf("grind %v: Ana's replacement by her new guardians: %q", grind, reasonOf(st, mine.ID()))
			}
		}
	})
}

// manyChanges is changedCell where the thief, with g0 and g1 whom Ana
// dropped, sent n different changes of the old set backdated beside hers
// and a replacement they confirm.
func manyChanges(t testing.TB, n int) (c *Cell, change *Statement) {
	c, before, change := changedCell(t)
	g, f := guardiansOfAna(t), fakes(t)
	oldSet := guardiansInForce(t, guardedCell(t).State())
	var last *Statement
	for i := range n {
		k := byte(10 + i)
		last = forgeChange(t, c, oldSet, f, 2, k, changeConfirmations(t, g[:2], f, 2, k), before, false)
	}
	forgeReplace(t, c, ana(t), thiefNew(t), confirmations(g[:2], ana(t).Card.ID(), thiefNew(t).Card), []StatementID{last.ID()}, false)
	return c, change
}

// TestAttackManyChanges: a hundred different changes confirmed by
// dropped guardians, each judged against Ana's, are refused by the work
// limit or derived within it, and Ana's change stays in force.
func TestAttackManyChanges(t *testing.T) {
	n := 100
	if testing.Short() {
		n = 30
	}
	c, change := manyChanges(t, n)
	st := c.State()
	if now := guardiansInForce(t, st); now.Statement != change.ID() || st.IsMember(thiefNew(t).Card.ID()) {
		t.Fatalf("%d changes by dropped guardians: in force %v, thief's new card a member %v", n, now.Statement, st.IsMember(thiefNew(t).Card.ID()))
	}
	_, err := c.deriveWithin(WorkLimit(len(c.Statements())))
	t.Logf("%d changes in %d statements, from outside: %v", n, len(c.Statements()), err)
	if err != nil && !errors.Is(err, ErrTooComplex) {
		t.Fatal(err)
	}
}

// BenchmarkDeriveCompetingChanges derives a cell of about 1,500
// statements holding 100 changes of Ana's guardians by guardians she
// dropped, backdated beside hers, and a replacement they confirm.
func BenchmarkDeriveCompetingChanges(b *testing.B) {
	c, _ := manyChanges(b, 100)
	for range 1400 {
		must(c.Rate(person(b, 1), person(b, 2).Card, rating(3, 3), t0))
	}
	deriveLoop(b, c)
}

// deriveLoop times deriving c afresh.
func deriveLoop(b *testing.B, c *Cell) {
	b.ResetTimer()
	for b.Loop() {
		c.mu.Lock()
		c.state = nil
		c.derive()
		c.mu.Unlock()
	}
}
