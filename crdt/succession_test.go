package crdt

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"trustdesk/identity"
)

// The seized laptop (SCHEMA §4.5): Ana (person 0) named three guardians,
// two needed, in a cell with Bo and Cy (persons 1, 2). A thief holds a
// copy of Ana's device and her passphrase. Ana gets her card back on a new
// device and replaces it by a new card with two guardians' confirmations.

var (
	extraOnce sync.Once
	extras    []*identity.Identity
)

// extra returns the i-th of a second fixed set of test identities:
// guardians, new cards and the thief's fakes.
func extra(t testing.TB, i int) *identity.Identity {
	t.Helper()
	extraOnce.Do(func() {
		for j := range 10 {
			extras = append(extras, fixedIdentity(fmt.Sprintf("Extra %d", j), uint64(j)+1))
		}
	})
	return extras[i]
}

// Who is who in the seized-laptop tests.
func guardiansOfAna(t testing.TB) []*identity.Identity {
	return []*identity.Identity{extra(t, 0), extra(t, 1), extra(t, 2)}
}
func anaNew(t testing.TB) *identity.Identity   { return extra(t, 3) }
func thiefNew(t testing.TB) *identity.Identity { return extra(t, 4) }
func fakes(t testing.TB) []*identity.Identity {
	return []*identity.Identity{extra(t, 5), extra(t, 6), extra(t, 7)}
}

func keysOf(ids []*identity.Identity) []ed25519.PublicKey {
	var ks []ed25519.PublicKey
	for _, id := range ids {
		ks = append(ks, id.Card.SigningKey)
	}
	return ks
}

func confirmations(by []*identity.Identity, old identity.ID, next *identity.Card) []Confirmation {
	var cs []Confirmation
	for _, g := range by {
		cs = append(cs, Confirm(g, old, next))
	}
	return cs
}

// guardedCell is the cell before the seizure: Ana named her guardians and
// Bo and Cy have since rated each other, building on it.
func guardedCell(t testing.TB) *Cell {
	c, _ := guardedCellEarly(t)
	return c
}

// guardedCellEarly is guardedCell with the heads before Ana named her
// guardians.
func guardedCellEarly(t testing.TB) (*Cell, []StatementID) {
	t.Helper()
	ana, bo, cy := person(t, 0), person(t, 1), person(t, 2)
	c, early := hostileCell(t, 3)
	must(c.Rate(ana, bo.Card, rating(5, 5), t0))
	must(c.Rate(bo, ana.Card, rating(4, 4), t0))
	must(c.NameGuardians(ana, keysOf(guardiansOfAna(t)), 2, t0))
	must(c.Rate(bo, cy.Card, rating(4, 5), t0))
	must(c.Rate(cy, bo.Card, rating(5, 4), t0))
	if _, ok := c.State().Guardians(ana.Card.ID()); !ok {
		t.Fatal("Ana's guardians are not in force after two members built on them")
	}
	return c, early
}

// forgeReplace signs, as old, a replacement by next with the given prev
// (backdated; ids ground small when grind is set) and stores it in c.
func forgeReplace(t testing.TB, c *Cell, old, next *identity.Identity, cs []Confirmation, prev []StatementID, grind bool) *Statement {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.derive()
	s := &Statement{Kind: KindReplace, Card: next.Card, Cell: c.id, Author: old.Card.ID(), Seq: st.seq[old.Card.ID()] + 1, Prev: slices.Clone(prev)}
	for _, cf := range cs {
		cf.Salt = GuardianSalt(old, c.id, cf.Key[:])
		s.Confirmations = append(s.Confirmations, cf)
	}
	slices.SortFunc(s.Confirmations, func(x, y Confirmation) int { return compareKeys(x.Key, y.Key) })
	slices.SortFunc(s.Prev, compareIDs)
	for k := 0; ; k++ {
		forged++
		s.Created = t0.Add(-time.Duration(forged) * time.Second)
		s.Accept = next.Sign(acceptMessage(s))
		if err := s.Sign(old); err != nil {
			t.Fatal(err)
		}
		if !grind || s.id[0] == 0 {
			break
		}
	}
	if err := errors.Join(c.ensureDoc(), c.put(s)); err != nil {
		t.Fatal(err)
	}
	return s
}

// forged makes every forged replacement's time, and so its id, different.
var forged int

func compareKeys(a, b [32]byte) int { return slices.Compare(a[:], b[:]) }

func reasonOf(st *State, id StatementID) Reason {
	for _, r := range st.Invalid {
		if r.ID == id {
			return r.Reason
		}
	}
	return ""
}

func ratingBy(st *State, author, subject identity.ID) *RatingRecord {
	for _, r := range st.Ratings {
		if r.Author == author && r.Subject == subject {
			return &r
		}
	}
	return nil
}

// TestSeizedLaptopWalk is the walk of issue 17: a copy of the old device
// signs a rating after the replacement and another backdated before it;
// neither counts on a device that holds the replacement, and a replacement
// with fewer confirmations than needed does not count.
func TestSeizedLaptopWalk(t *testing.T) {
	ana, bo, cy := person(t, 0), person(t, 1), person(t, 2)
	g := guardiansOfAna(t)
	before := guardedCell(t)
	seizedAt := before.State().Heads
	thief := must(Load(before.Save())) // the copy of Ana's old device
	owner := must(Load(before.Save())) // Ana's new device, her card back

	// Too few confirmations: refused on the device, and void if forged.
	if _, err := owner.Replace(ana, anaNew(t), confirmations(g[:1], ana.Card.ID(), anaNew(t).Card), t0); err == nil {
		t.Fatal("a replacement with one confirmation of two needed was made")
	}
	weak := must(Load(before.Save()))
	one := forgeReplace(t, weak, ana, anaNew(t), confirmations(g[:1], ana.Card.ID(), anaNew(t).Card), seizedAt, false)
	if st := weak.State(); reasonOf(st, one.ID()) != ReasonNotConfirmed || len(st.Replaced) != 0 || !st.IsMember(ana.Card.ID()) {
		t.Fatalf("a replacement with one confirmation counted: %v %+v", reasonOf(st, one.ID()), st.Replaced)
	}

	r := must(owner.Replace(ana, anaNew(t), confirmations(g[1:], ana.Card.ID(), anaNew(t).Card), t0.Add(time.Hour)))

	// The thief, after the replacement: a rating as the thief's device
	// makes it, and one backdated to before the seizure, ground small.
	later := must(thief.Rate(ana, cy.Card, rating(1, 1), t0.Add(2*time.Hour)))
	backdated := signRate(t, thief, ana, bo.Card.ID(), rating(1, 1), seizedAt[:1], true)

	for _, c := range []*Cell{merged(t, owner, thief), merged(t, thief, owner)} {
		st := c.State()
		if st.IsMember(ana.Card.ID()) || !st.IsMember(anaNew(t).Card.ID()) {
			t.Fatalf("after the replacement: Ana's old card member %v, new card member %v", st.IsMember(ana.Card.ID()), st.IsMember(anaNew(t).Card.ID()))
		}
		for _, s := range []*Statement{later, backdated} {
			if reasonOf(st, s.ID()) != ReasonReplaced {
				t.Errorf("the thief's rating %s: reason %q, want %q", s.ID(), reasonOf(st, s.ID()), ReasonReplaced)
			}
		}
		if rb := ratingBy(st, anaNew(t).Card.ID(), bo.Card.ID()); rb == nil || rb.Rating.Safety != 5 {
			t.Errorf("Ana's own rating of Bo did not pass to her new card: %+v", rb)
		}
		if rb := ratingBy(st, bo.Card.ID(), anaNew(t).Card.ID()); rb == nil || rb.Rating.Safety != 4 {
			t.Errorf("Bo's rating of Ana did not pass to her new card: %+v", rb)
		}
		if ratingBy(st, anaNew(t).Card.ID(), cy.Card.ID()) != nil {
			t.Error("the thief's rating of Cy counts under the new card")
		}
		rp, ok := st.ReplacedBy(ana.Card.ID())
		if !ok || rp.New != anaNew(t).Card.ID() || rp.Statement != r.ID() || rp.Confirmed != 2 {
			t.Fatalf("replacement: %+v %v", rp, ok)
		}
		if m, _ := st.Member(anaNew(t).Card.ID()); m.Card == nil || m.Card.ID() != anaNew(t).Card.ID() || st.Founder != anaNew(t).Card.ID() {
			t.Fatalf("the new card's membership: %+v", m)
		}
	}
	if merged(t, owner, thief).State().Digest() != merged(t, thief, owner).State().Digest() {
		t.Fatal("devices differ")
	}

	// On the thief's own copy, before it receives the replacement,
	// everything still counts: nothing changed there.
	if st := thief.State(); !st.IsMember(ana.Card.ID()) || reasonOf(st, later.ID()) != "" {
		t.Fatal("the thief's copy changed without the replacement")
	}

	// The new card goes on: it rates, and can name guardians of its own.
	c := merged(t, owner, thief)
	must(c.Rate(anaNew(t), cy.Card, rating(5, 5), t0.Add(3*time.Hour)))
	if _, err := c.Rate(ana, cy.Card, rating(2, 2), t0.Add(3*time.Hour)); err == nil {
		t.Fatal("the old card could still rate on a device that holds the replacement")
	}
	must(c.NameGuardians(anaNew(t), keysOf(g), 2, t0.Add(3*time.Hour)))
}

// signRate stores a rating by author with the given prev (backdated; id
// ground small when grind is set).
func signRate(t testing.TB, c *Cell, author *identity.Identity, subject identity.ID, r Rating, prev []StatementID, grind bool) *Statement {
	t.Helper()
	return forge(t, c, author, &Statement{Kind: KindRate, Subject: subject, Rating: r}, prev, grind)
}

// replaced returns the cell after Ana's replacement on her new device,
// with the heads before it.
func replaced(t testing.TB) (owner, thief *Cell, seizedAt []StatementID, r *Statement) {
	t.Helper()
	before := guardedCell(t)
	owner = must(Load(before.Save()))
	g := guardiansOfAna(t)
	r = must(owner.Replace(ana(t), anaNew(t), confirmations(g[:2], ana(t).Card.ID(), anaNew(t).Card), t0.Add(time.Hour)))
	return owner, must(Load(before.Save())), before.State().Heads, r
}

func ana(t testing.TB) *identity.Identity { return person(t, 0) }

// The thief replaces Ana's card by his own, confirmed by fakes of his:
// their confirmations do not open the commitments in force.
func TestAttackThiefReplacesWithFakeGuardians(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		owner, thief, seizedAt, _ := replaced(t)
		fake := forgeReplace(t, thief, ana(t), thiefNew(t), confirmations(fakes(t), ana(t).Card.ID(), thiefNew(t).Card), seizedAt, true)
		for _, c := range []*Cell{thief, merged(t, owner, thief)} {
			st := c.State()
			if reasonOf(st, fake.ID()) != ReasonNotConfirmed || st.IsMember(thiefNew(t).Card.ID()) {
				t.Fatalf("the thief's replacement: %q, thief member %v", reasonOf(st, fake.ID()), st.IsMember(thiefNew(t).Card.ID()))
			}
		}
		if !merged(t, owner, thief).State().IsMember(anaNew(t).Card.ID()) {
			t.Fatal("Ana's replacement lost to the thief's")
		}
		// Forged signatures under the real guardians' keys do not count either.
		cs := confirmations(guardiansOfAna(t), ana(t).Card.ID(), anaNew(t).Card)
		for i := range cs {
			cs[i].Signature = fakes(t)[0].Sign(ConfirmMessage(ana(t).Card.ID(), thiefNew(t).Card))
		}
		forged := forgeReplace(t, thief, ana(t), thiefNew(t), cs, seizedAt, false)
		if reasonOf(thief.State(), forged.ID()) != ReasonNotConfirmed {
			t.Fatal("forged confirmations counted")
		}
		// Real confirmations of Ana's replacement, copied into the thief's.
		copied := forgeReplace(t, thief, ana(t), thiefNew(t), confirmations(guardiansOfAna(t)[:2], ana(t).Card.ID(), anaNew(t).Card), seizedAt, false)
		if reasonOf(thief.State(), copied.ID()) != ReasonNotConfirmed {
			t.Fatal("confirmations of another new card counted")
		}
	})
}

// The thief names guardians of his own: after Ana's, as the old device
// would (refused on the device, void if forged), and backdated to before
// hers with a ground id, then replaces the card with his fakes.
func TestAttackThiefChangesGuardians(t *testing.T) {
	owner, thief, seizedAt, _ := replaced(t)
	if _, err := thief.NameGuardians(ana(t), keysOf(fakes(t)), 2, t0); err == nil {
		t.Fatal("a second guardians statement was made")
	}
	found := thief.State().Heads[:0:0]
	for _, s := range thief.Statements() {
		if s.Kind == KindFound {
			found = append(found, s.ID())
		}
	}
	var rivals []*Statement
	for _, prev := range [][]StatementID{seizedAt, found} {
		g := &Statement{Kind: KindGuardians, Need: 1}
		for _, k := range keysOf(fakes(t)) {
			g.Guardians = append(g.Guardians, Commit(thief.ID(), ana(t).Card.ID(), k, GuardianSalt(ana(t), thief.ID(), k)))
		}
		slices.SortFunc(g.Guardians, func(x, y Commitment) int { return slices.Compare(x[:], y[:]) })
		rivals = append(rivals, forge(t, thief, ana(t), g, prev, true))
	}
	var heads []StatementID
	for _, g := range rivals {
		heads = append(heads, g.ID())
	}
	fake := forgeReplace(t, thief, ana(t), thiefNew(t), confirmations(fakes(t), ana(t).Card.ID(), thiefNew(t).Card), heads, true)
	for _, c := range []*Cell{thief, merged(t, owner, thief), merged(t, thief, owner)} {
		st := c.State()
		for _, g := range rivals {
			if r := reasonOf(st, g.ID()); r != ReasonNoAuthority && r != ReasonReplaced {
				t.Errorf("the thief's guardians %s: %q", g.ID(), reasonOf(st, g.ID()))
			}
		}
		if reasonOf(st, fake.ID()) != ReasonNotConfirmed || st.IsMember(thiefNew(t).Card.ID()) {
			t.Fatalf("the thief's replacement: %q", reasonOf(st, fake.ID()))
		}
	}
	if st := merged(t, owner, thief).State(); !st.IsMember(anaNew(t).Card.ID()) || st.IsMember(ana(t).Card.ID()) {
		t.Fatal("Ana's replacement does not count beside the thief's guardians")
	}
}

// The thief, with a hostile member (Cy) on his side, backdates guardians
// of his own and has Cy build on them with a ground id, so that they look
// named as early as Ana's: then no guardians are in force, and no
// replacement counts (the thief cannot take the card over; Ana cannot
// replace it in that cell either).
func TestAttackGroundWitness(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		cy := person(t, 2)
		c, early := guardedCellEarly(t)
		g := &Statement{Kind: KindGuardians, Need: 1}
		for _, k := range keysOf(fakes(t)) {
			g.Guardians = append(g.Guardians, Commit(c.ID(), ana(t).Card.ID(), k, GuardianSalt(ana(t), c.ID(), k)))
		}
		slices.SortFunc(g.Guardians, func(x, y Commitment) int { return slices.Compare(x[:], y[:]) })
		rival := forge(t, c, ana(t), g, early, true)
		witness := signRate(t, c, cy, person(t, 1).Card.ID(), rating(3, 3), []StatementID{rival.ID()}, true)
		st := c.State()
		if _, ok := st.Guardians(ana(t).Card.ID()); ok {
			t.Fatal("guardians in force although two were named at once")
		}
		fake := forgeReplace(t, c, ana(t), thiefNew(t), confirmations(fakes(t), ana(t).Card.ID(), thiefNew(t).Card), []StatementID{witness.ID()}, true)
		st = c.State()
		if reasonOf(st, fake.ID()) != ReasonNotConfirmed || st.IsMember(thiefNew(t).Card.ID()) || !st.IsMember(ana(t).Card.ID()) {
			t.Fatalf("the thief's replacement with a ground witness: %q", reasonOf(st, fake.ID()))
		}
	})
}

// Backdated and ground statements of the old card that would change who
// is a member (votes against Bo and Cy, a leave) are void once the
// replacement is held, wherever the order puts them.
func TestAttackBackdatedVotes(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		owner, thief, seizedAt, _ := replaced(t)
		forge(t, thief, ana(t), &Statement{Kind: KindExclude, Subject: person(t, 1).Card.ID()}, seizedAt, true)
		forge(t, thief, ana(t), &Statement{Kind: KindExclude, Subject: person(t, 2).Card.ID()}, seizedAt[:1], true)
		forge(t, thief, ana(t), &Statement{Kind: KindPolicy, Policy: Policy{AdmitVouches: 1, ExcludeQuorum: 1}}, seizedAt, true)
		st := merged(t, thief, owner).State()
		if !st.IsMember(person(t, 1).Card.ID()) || !st.IsMember(person(t, 2).Card.ID()) || len(st.Votes) != 0 || st.Policy != DefaultPolicy || len(st.Proposals) != 0 {
			t.Fatalf("the thief's backdated votes count: votes %+v policy %+v", st.Votes, st.Policy)
		}
	})
}

// Two replacements of Ana's card by guardians who confirmed both
// (coerced): the one with more confirmations counts; on a tie, neither,
// and the card stays as it was.
func TestCompetingReplacements(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		g := guardiansOfAna(t)
		before := guardedCell(t)
		seizedAt := before.State().Heads
		owner := must(Load(before.Save()))
		must(owner.Replace(ana(t), anaNew(t), confirmations(g[:2], ana(t).Card.ID(), anaNew(t).Card), t0.Add(time.Hour)))

		three := must(Load(before.Save()))
		forgeReplace(t, three, ana(t), thiefNew(t), confirmations(g, ana(t).Card.ID(), thiefNew(t).Card), seizedAt, true)
		st := merged(t, owner, three).State()
		if !st.IsMember(thiefNew(t).Card.ID()) || st.IsMember(anaNew(t).Card.ID()) {
			t.Fatal("the replacement with three confirmations did not win over two")
		}

		two := must(Load(before.Save()))
		forgeReplace(t, two, ana(t), thiefNew(t), confirmations(g[1:], ana(t).Card.ID(), thiefNew(t).Card), seizedAt, true)
		late := signRate(t, two, ana(t), person(t, 1).Card.ID(), rating(1, 1), seizedAt, true)
		for _, c := range []*Cell{merged(t, owner, two), merged(t, two, owner)} {
			st := c.State()
			if st.IsMember(thiefNew(t).Card.ID()) || st.IsMember(anaNew(t).Card.ID()) {
				t.Fatal("a replacement counted on a tie")
			}
			rp, ok := st.ReplacedBy(ana(t).Card.ID())
			if ok || reasonOf(st, late.ID()) != "" || !st.IsMember(ana(t).Card.ID()) {
				t.Fatalf("tie: %+v %v, late rating %q", rp, ok, reasonOf(st, late.ID()))
			}
		}
	})
}

// A replacement copied by the thief to another place in the history does
// not count: the new card accepted only the place it was made at.
func TestAttackMovedReplacement(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		owner, _, seizedAt, r := replaced(t)
		moved := *r
		moved.Prev = seizedAt[:1]
		moved.Created = r.Created.Add(-time.Hour)
		if err := moved.Sign(ana(t)); err != nil {
			t.Fatal(err)
		}
		c := must(Load(owner.Save()))
		c.mu.Lock()
		if err := c.put(&moved); err != nil {
			t.Fatal(err)
		}
		c.mu.Unlock()
		st := c.State()
		if reasonOf(st, moved.ID()) == "" || !st.IsMember(anaNew(t).Card.ID()) {
			t.Fatalf("the moved replacement: %q", reasonOf(st, moved.ID()))
		}
	})
}

// Replacements round-trip the encoding and the snapshot, and statements
// of every kind made before keep their bytes (the fixture of testdata
// loads in TestGolden-style tests elsewhere).
func TestReplacementEncoding(t *testing.T) {
	owner, _, _, r := replaced(t)
	got := must(Decode(r.Bytes()))
	if got.ID() != r.ID() || len(got.Confirmations) != 2 || got.Card.ID() != anaNew(t).Card.ID() {
		t.Fatalf("decoded: %+v", got)
	}
	again := must(LoadSnapshot(must(owner.Snapshot())))
	if again.State().Digest() != owner.State().Digest() {
		t.Fatal("snapshot changes the state")
	}
}

// Thousands of fake replacements and guardians statements by the thief
// are refused by the work limit or derived within it; either way the
// owner's replacement is unaffected where the cell is taken in.
func TestAttackManyReplacements(t *testing.T) {
	owner, thief, seizedAt, _ := replaced(t)
	n := 100
	if testing.Short() {
		n = 30
	}
	for i := range n {
		next := fakes(t)[i%3]
		forgeReplace(t, thief, ana(t), next, confirmations(fakes(t), ana(t).Card.ID(), next.Card), seizedAt, false)
	}
	c := merged(t, owner, thief)
	st := c.State()
	if !st.IsMember(anaNew(t).Card.ID()) || st.IsMember(ana(t).Card.ID()) {
		t.Fatal("fake replacements undid the owner's")
	}
	_, err := c.deriveWithin(WorkLimit(len(c.Statements())))
	t.Logf("%d fake replacements in %d statements, from outside: %v", n, len(c.Statements()), err)
	if err != nil && !errors.Is(err, ErrTooComplex) {
		t.Fatal(err)
	}
}

// BenchmarkDeriveReplacements derives a cell of about 1,500 statements in
// which a thief sent 100 fake replacements (each with a valid acceptance,
// so each is judged in a world of its own).
func BenchmarkDeriveReplacements(b *testing.B) {
	owner, thief, seizedAt, _ := replaced(b)
	for range 1500 {
		must(thief.Rate(person(b, 1), person(b, 2).Card, rating(3, 3), t0))
	}
	for i := range 100 {
		next := fakes(b)[i%3]
		forgeReplace(b, thief, ana(b), next, confirmations(fakes(b), ana(b).Card.ID(), next.Card), seizedAt, false)
	}
	c := merged(b, owner, thief)
	deriveLoop(b, c)
}

// The thief fabricates a history of his own with the old card: he admits
// two fakes, who accept and build on guardians he names, and replaces the
// card with his fakes' confirmations. Where the cell's members are members
// in his history too, they built on Ana's guardians first and her
// replacement counts. Where he backdates everything to before anyone else
// joined, nobody can tell the two histories apart: neither replacement
// counts and the card stays as it was (SCHEMA §4.5, what it does not
// prevent). He never takes the card over.
func TestAttackFabricatedHistory(t *testing.T) {
	for _, erase := range []bool{false, true} {
		owner, thief, seizedAt, r := replaced(t)
		start := seizedAt
		if erase {
			for _, s := range thief.Statements() {
				if s.Kind == KindFound {
					start = []StatementID{s.ID()}
				}
			}
		}
		fake1, fake2 := person(t, 4), person(t, 5)
		var last []StatementID
		for _, f := range []*identity.Identity{fake1, fake2} {
			adm := forge(t, thief, ana(t), &Statement{Kind: KindAdmit, Card: f.Card}, start, true)
			join := forge(t, thief, f, &Statement{Kind: KindJoin}, []StatementID{adm.ID()}, true)
			start = []StatementID{join.ID()}
		}
		g := &Statement{Kind: KindGuardians, Need: 1}
		for _, k := range keysOf(fakes(t)) {
			g.Guardians = append(g.Guardians, Commit(thief.ID(), ana(t).Card.ID(), k, GuardianSalt(ana(t), thief.ID(), k)))
		}
		slices.SortFunc(g.Guardians, func(x, y Commitment) int { return slices.Compare(x[:], y[:]) })
		g2 := forge(t, thief, ana(t), g, start, true)
		for _, f := range []*identity.Identity{fake1, fake2} {
			last = append(last, signRate(t, thief, f, person(t, 1).Card.ID(), rating(1, 1), []StatementID{g2.ID()}, true).ID())
		}
		fake := forgeReplace(t, thief, ana(t), thiefNew(t), confirmations(fakes(t), ana(t).Card.ID(), thiefNew(t).Card), last, true)
		for _, c := range []*Cell{merged(t, owner, thief), merged(t, thief, owner)} {
			st := c.State()
			if st.IsMember(thiefNew(t).Card.ID()) || reasonOf(st, fake.ID()) == "" {
				t.Fatalf("erase %v: the thief took the card over", erase)
			}
			if !erase && (!st.IsMember(anaNew(t).Card.ID()) || st.IsMember(fake1.Card.ID())) {
				t.Fatalf("Ana's replacement lost to a fabricated history: %q", reasonOf(st, r.ID()))
			}
			if erase && (st.IsMember(anaNew(t).Card.ID()) || !st.IsMember(ana(t).Card.ID()) || reasonOf(st, r.ID()) != ReasonNotConfirmed) {
				t.Fatalf("a history backdated before everyone: %q", reasonOf(st, r.ID()))
			}
		}
	}
}

// BenchmarkDerive10kGuardians derives the 10,000-statement cell of
// BenchmarkDerive10k after all eight members named guardians, which nobody
// has built on yet: each author's search for witnesses runs to the end
// (compare with BenchmarkDerive10k: the cost of the guardians step).
func BenchmarkDerive10kGuardians(b *testing.B) {
	c := bigCell(b, 10000)
	for i := range 8 {
		must(c.NameGuardians(person(b, i), keysOf(guardiansOfAna(b)), 2, t0))
	}
	deriveLoop(b, c)
}
