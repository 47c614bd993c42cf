package crdt

import (
	"testing"
	"time"

	"trustdesk/identity"
)

// A second seizure (SCHEMA §4.5, rounds): Ana replaced her card A by B,
// named guardians for B, and B's laptop was seized too; she replaces B by
// C with the guardians B named.

var anaThird = sync1(func() *identity.Identity { return fixedIdentity("Extra third", 11) })

// sync1 returns a function that makes its value once.
func sync1[T any](f func() T) func() T {
	var v T
	done := false
	return func() T {
		if !done {
			v, done = f(), true
		}
		return v
	}
}

// replacedTwice returns Ana's device after A→B, B's guardians named and
// built on by Bo and Cy, with open votes by and against Ana; the heads
// before A→B and before B→C; and the copy a thief of B holds.
func replacedTwice(t testing.TB) (owner, thiefB *Cell, beforeAB, beforeBC []StatementID, ab *Statement) {
	t.Helper()
	ana, bo, cy, b := person(t, 0), person(t, 1), person(t, 2), anaNew(t)
	g := guardiansOfAna(t)
	owner = must(Load(guardedCell(t).Save()))
	must(owner.VoteExclude(ana, cy.Card.ID(), t0))
	must(owner.VoteExclude(bo, ana.Card.ID(), t0))
	beforeAB = owner.State().Heads
	ab = must(owner.Replace(ana, b, confirmations(g[1:], ana.Card.ID(), b.Card), t0.Add(time.Hour)))
	must(owner.NameGuardians(b, keysOf(g), 2, t0.Add(2*time.Hour)))
	must(owner.Rate(bo, cy.Card, rating(3, 3), t0.Add(2*time.Hour)))
	must(owner.Rate(cy, bo.Card, rating(3, 3), t0.Add(2*time.Hour)))
	if _, ok := owner.State().Guardians(b.Card.ID()); !ok {
		t.Fatal("the guardians of the new card are not in force after two members built on them")
	}
	return owner, must(Load(owner.Save())), beforeAB, owner.State().Heads, ab
}

// TestReplacedTwice: A→B→C applies in order; memberships, ratings and
// votes pass to C, and what B signs outside the past of B→C is void.
func TestReplacedTwice(t *testing.T) {
	ana, bo, cy, b, c := person(t, 0), person(t, 1), person(t, 2), anaNew(t), anaThird()
	g := guardiansOfAna(t)
	owner, thiefB, _, beforeBC, ab := replacedTwice(t)
	bc := must(owner.Replace(b, c, confirmations(g[:2], b.Card.ID(), c.Card), t0.Add(3*time.Hour)))

	later := must(thiefB.Rate(b, cy.Card, rating(1, 1), t0.Add(4*time.Hour)))
	backdated := signRate(t, thiefB, b, bo.Card.ID(), rating(1, 1), beforeBC[:1], true)
	vote := must(thiefB.VoteExclude(b, bo.Card.ID(), t0.Add(4*time.Hour)))

	x, y := merged(t, owner, thiefB), merged(t, thiefB, owner)
	if x.State().Digest() != y.State().Digest() {
		t.Fatal("devices differ")
	}
	st := x.State()
	for _, id := range []identity.ID{ana.Card.ID(), b.Card.ID()} {
		if st.IsMember(id) {
			t.Errorf("a replaced card is still a member: %s", id)
		}
	}
	if !st.IsMember(c.Card.ID()) || st.Founder != c.Card.ID() {
		t.Fatalf("C member %v, founder %v", st.IsMember(c.Card.ID()), st.Founder == c.Card.ID())
	}
	for _, s := range []*Statement{later, backdated, vote} {
		if reasonOf(st, s.ID()) != ReasonReplaced {
			t.Errorf("B's statement after B→C %s: reason %q, want %q", s.ID(), reasonOf(st, s.ID()), ReasonReplaced)
		}
	}
	if r := ratingBy(st, c.Card.ID(), bo.Card.ID()); r == nil || r.Rating.Safety != 5 {
		t.Errorf("Ana's rating of Bo did not pass to C: %+v", r)
	}
	if r := ratingBy(st, bo.Card.ID(), c.Card.ID()); r == nil || r.Rating.Safety != 4 {
		t.Errorf("Bo's rating of Ana did not pass to C: %+v", r)
	}
	if ratingBy(st, c.Card.ID(), cy.Card.ID()) != nil {
		t.Error("the thief's rating of Cy counts under C")
	}
	var byC, againstC bool
	for _, v := range st.Votes {
		byC = byC || v.Voter == c.Card.ID() && v.Subject == cy.Card.ID()
		againstC = againstC || v.Voter == bo.Card.ID() && v.Subject == c.Card.ID()
		if v.Voter == c.Card.ID() && v.Subject == bo.Card.ID() {
			t.Error("the thief's vote against Bo counts under C")
		}
	}
	if !byC || !againstC {
		t.Errorf("votes did not pass to C: by %v, against %v: %+v", byC, againstC, st.Votes)
	}
	r1, ok1 := st.ReplacedBy(ana.Card.ID())
	r2, ok2 := st.ReplacedBy(b.Card.ID())
	if !ok1 || !ok2 || r1.Statement != ab.ID() || r1.New != b.Card.ID() || r2.Statement != bc.ID() || r2.New != c.Card.ID() || r2.OldCard == nil || r2.OldCard.ID() != b.Card.ID() {
		t.Fatalf("replacements: %+v %+v", r1, r2)
	}
	// C goes on, and B cannot.
	must(x.Rate(c, cy.Card, rating(5, 5), t0.Add(5*time.Hour)))
	if _, err := x.Rate(b, cy.Card, rating(2, 2), t0.Add(5*time.Hour)); err == nil {
		t.Fatal("B could still rate on a device that holds B→C")
	}
}

// TestAttackReplaceBWithoutGuardians: a thief holding B replaces it by
// his own card with fakes' confirmations, or with confirmations for
// another card; neither counts, and B keeps its place.
func TestAttackReplaceBWithoutGuardians(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		b, c := anaNew(t), anaThird()
		g := guardiansOfAna(t)
		owner, thiefB, _, beforeBC, _ := replacedTwice(t)
		fake := forgeReplace(t, thiefB, b, thiefNew(t), confirmations(fakes(t), b.Card.ID(), thiefNew(t).Card), beforeBC, true)
		copied := forgeReplace(t, thiefB, b, thiefNew(t), confirmations(g[:2], b.Card.ID(), c.Card), beforeBC, true)
		st := merged(t, owner, thiefB).State()
		for _, s := range []*Statement{fake, copied} {
			if reasonOf(st, s.ID()) != ReasonNotConfirmed {
				t.Errorf("the thief's replacement of B %s: reason %q, want %q", s.ID(), reasonOf(st, s.ID()), ReasonNotConfirmed)
			}
		}
		if _, ok := st.ReplacedBy(b.Card.ID()); ok || !st.IsMember(b.Card.ID()) || st.IsMember(thiefNew(t).Card.ID()) {
			t.Fatalf("B replaced without its guardians: %+v", st.Replaced)
		}
	})
}

// TestAttackBackdatedBC: a replacement of B placed before A→B (not in
// its future) does not count, even with the guardians' confirmations.
func TestAttackBackdatedBC(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		b, c := anaNew(t), anaThird()
		g := guardiansOfAna(t)
		owner, _, beforeAB, _, _ := replacedTwice(t)
		early := forgeReplace(t, owner, b, c, confirmations(g[:2], b.Card.ID(), c.Card), beforeAB, true)
		st := owner.State()
		if reasonOf(st, early.ID()) != ReasonReplaced {
			t.Errorf("B→C before A→B: reason %q, want %q", reasonOf(st, early.ID()), ReasonReplaced)
		}
		if _, ok := st.ReplacedBy(b.Card.ID()); ok || !st.IsMember(b.Card.ID()) || st.IsMember(c.Card.ID()) {
			t.Fatalf("a backdated B→C counted: %+v", st.Replaced)
		}
	})
}

// TestCompetingReplacementsOfB: as for A, two replacements of B confirmed
// by the same (coerced) guardians: the one with more confirmations
// counts; on a tie neither, and B stays.
func TestCompetingReplacementsOfB(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		b, c, tn := anaNew(t), anaThird(), thiefNew(t)
		g := guardiansOfAna(t)
		owner, thiefB, _, beforeBC, _ := replacedTwice(t)
		must(owner.Replace(b, c, confirmations(g[:2], b.Card.ID(), c.Card), t0.Add(3*time.Hour)))

		three := must(Load(thiefB.Save()))
		forgeReplace(t, three, b, tn, confirmations(g, b.Card.ID(), tn.Card), beforeBC, true)
		if st := merged(t, owner, three).State(); !st.IsMember(tn.Card.ID()) || st.IsMember(c.Card.ID()) {
			t.Fatal("the replacement of B with three confirmations did not win over two")
		}

		forgeReplace(t, thiefB, b, tn, confirmations(g[1:], b.Card.ID(), tn.Card), beforeBC, true)
		for _, x := range []*Cell{merged(t, owner, thiefB), merged(t, thiefB, owner)} {
			st := x.State()
			if st.IsMember(tn.Card.ID()) || st.IsMember(c.Card.ID()) || !st.IsMember(b.Card.ID()) {
				t.Fatal("a replacement of B counted on a tie")
			}
			if _, ok := st.ReplacedBy(anaNew(t).Card.ID()); ok {
				t.Fatal("B replaced on a tie")
			}
			if _, ok := st.ReplacedBy(person(t, 0).Card.ID()); !ok {
				t.Fatal("A→B lost on a tie of B's replacements")
			}
		}
	})
}

// TestReplacedCardStaysReplaced: B replaced by A again, even with B's
// guardians, does not bring the seized card A back.
func TestReplacedCardStaysReplaced(t *testing.T) {
	ana, b := person(t, 0), anaNew(t)
	owner, _, _, _, _ := replacedTwice(t)
	back := must(owner.Replace(b, ana, confirmations(guardiansOfAna(t)[:2], b.Card.ID(), ana.Card), t0.Add(3*time.Hour)))
	st := owner.State()
	if reasonOf(st, back.ID()) != ReasonNoAuthority || st.IsMember(ana.Card.ID()) || !st.IsMember(b.Card.ID()) {
		t.Fatalf("B→A: reason %q, A member %v", reasonOf(st, back.ID()), st.IsMember(ana.Card.ID()))
	}
}

// BenchmarkDeriveReplacedTwice is BenchmarkDeriveReplacements one round
// down: after A→B→C, a thief holding B sent 1,500 ratings and 100 fake
// replacements of B (each judged in a world of its own, in round two).
func BenchmarkDeriveReplacedTwice(b *testing.B) {
	owner, thiefB, _, beforeBC, _ := replacedTwice(b)
	must(owner.Replace(anaNew(b), anaThird(), confirmations(guardiansOfAna(b)[:2], anaNew(b).Card.ID(), anaThird().Card), t0.Add(3*time.Hour)))
	for range 1500 {
		must(thiefB.Rate(person(b, 1), person(b, 2).Card, rating(3, 3), t0))
	}
	for i := range 100 {
		next := fakes(b)[i%3]
		forgeReplace(b, thiefB, anaNew(b), next, confirmations(fakes(b), anaNew(b).Card.ID(), next.Card), beforeBC, false)
	}
	c := merged(b, owner, thiefB)
	if len(c.State().Replaced) != 2 {
		b.Fatalf("replacements: %+v", c.State().Replaced)
	}
	deriveLoop(b, c)
}

// TestAttackThiefAdmitsB: the thief of A admits B in A's name, backdated
// before A→B, so that B is a member in the first pass and its guardians
// and replacement would be judged beside A's thief. They are judged in
// B's round all the same: B→C counts, and the admission is void.
func TestAttackThiefAdmitsB(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		ana, cy, b, c := person(t, 0), person(t, 2), anaNew(t), anaThird()
		owner, _, beforeAB, _, _ := replacedTwice(t)
		admit := forge(t, owner, ana, &Statement{Kind: KindAdmit, Card: b.Card}, beforeAB, true)
		must(owner.Rate(b, cy.Card, rating(4, 4), t0.Add(2*time.Hour)))
		bc := must(owner.Replace(b, c, confirmations(guardiansOfAna(t)[:2], b.Card.ID(), c.Card), t0.Add(3*time.Hour)))
		st := owner.State()
		if reasonOf(st, admit.ID()) != ReasonReplaced || reasonOf(st, bc.ID()) != "" || len(st.Replaced) != 2 || !st.IsMember(c.Card.ID()) || st.IsMember(b.Card.ID()) {
			t.Fatalf("admission %q, B→C %q, replacements %+v", reasonOf(st, admit.ID()), reasonOf(st, bc.ID()), st.Replaced)
		}
		if ratingBy(st, c.Card.ID(), cy.Card.ID()) == nil {
			t.Error("B's rating in B→C's past did not pass to C")
		}
	})
}

// TestReplacedTwiceTwoPeople: in a cell of Ana and Bo, one witness puts
// B's guardians in force (A, Ana's earlier card, is not another person),
// also when the thief of A admitted B in A's name so that B is a member in
// the first pass.
func TestReplacedTwiceTwoPeople(t *testing.T) {
	ana, bo, b, c := person(t, 0), person(t, 1), anaNew(t), anaThird()
	g := guardiansOfAna(t)
	for _, admitted := range []bool{false, true} {
		cell, early := hostileCell(t, 2)
		must(cell.NameGuardians(ana, keysOf(g), 2, t0))
		must(cell.Rate(bo, ana.Card, rating(4, 4), t0))
		must(cell.Replace(ana, b, confirmations(g[:2], ana.Card.ID(), b.Card), t0.Add(time.Hour)))
		if admitted {
			forge(t, cell, ana, &Statement{Kind: KindAdmit, Card: b.Card}, early, true)
		}
		must(cell.NameGuardians(b, keysOf(g), 2, t0.Add(2*time.Hour)))
		must(cell.Rate(bo, b.Card, rating(5, 5), t0.Add(2*time.Hour)))
		bc := must(cell.Replace(b, c, confirmations(g[1:], b.Card.ID(), c.Card), t0.Add(3*time.Hour)))
		st := cell.State()
		if reasonOf(st, bc.ID()) != "" || !st.IsMember(c.Card.ID()) || st.IsMember(b.Card.ID()) || len(st.Replaced) != 2 {
			t.Fatalf("admitted %v: B→C %q, replacements %+v", admitted, reasonOf(st, bc.ID()), st.Replaced)
		}
		if r := ratingBy(st, bo.Card.ID(), c.Card.ID()); r == nil || r.Rating.Safety != 5 {
			t.Errorf("admitted %v: Bo's rating did not pass to C: %+v", admitted, r)
		}
	}
}

var anaFourth = sync1(func() *identity.Identity { return fixedIdentity("Extra fourth", 12) })

// TestReplacedThreeTimes: the rounds go on down a chain A→B→C→D.
func TestReplacedThreeTimes(t *testing.T) {
	bo, cy, b, c, d := person(t, 1), person(t, 2), anaNew(t), anaThird(), anaFourth()
	g := guardiansOfAna(t)
	owner, _, _, _, _ := replacedTwice(t)
	must(owner.Replace(b, c, confirmations(g[:2], b.Card.ID(), c.Card), t0.Add(3*time.Hour)))
	must(owner.NameGuardians(c, keysOf(g), 3, t0.Add(4*time.Hour)))
	must(owner.Rate(bo, cy.Card, rating(2, 2), t0.Add(4*time.Hour)))
	must(owner.Rate(cy, bo.Card, rating(2, 2), t0.Add(4*time.Hour)))
	if _, err := owner.Replace(c, d, confirmations(g[:2], c.Card.ID(), d.Card), t0.Add(5*time.Hour)); err == nil {
		t.Fatal("C replaced with two confirmations of the three its guardians need")
	}
	must(owner.Replace(c, d, confirmations(g, c.Card.ID(), d.Card), t0.Add(5*time.Hour)))
	st := must(Load(owner.Save())).State()
	if len(st.Replaced) != 3 || !st.IsMember(d.Card.ID()) || st.IsMember(c.Card.ID()) || st.Founder != d.Card.ID() {
		t.Fatalf("replacements %+v, D member %v", st.Replaced, st.IsMember(d.Card.ID()))
	}
	if r := ratingBy(st, d.Card.ID(), bo.Card.ID()); r == nil || r.Rating.Safety != 5 {
		t.Errorf("Ana's first rating of Bo did not pass to D: %+v", r)
	}
}
