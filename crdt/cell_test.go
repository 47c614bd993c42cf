package crdt

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"trustdesk/identity"
)

func TestMain(m *testing.M) {
	if IsWorker() {
		ServeWorker()
	}
	os.Exit(m.Run())
}

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

var (
	peopleOnce sync.Once
	people     []*identity.Identity
	peopleSeed = flag.Uint64("crdt.people", 1, "seed of the test people's keys; 0 makes fresh keys on every run (their ids set the order, so long runs of TestHostileHistories see new histories)")
)

// person returns the i-th of a fixed set of test identities (made once,
// key generation is not what these tests are about).
func person(t testing.TB, i int) *identity.Identity {
	t.Helper()
	peopleOnce.Do(func() { people = makePeople(*peopleSeed) })
	return people[i]
}

// makePeople makes the eight test people from seed, or with fresh keys
// when seed is 0.
func makePeople(seed uint64) []*identity.Identity {
	var r io.Reader = rand.Reader
	if seed != 0 {
		var s [32]byte
		binary.LittleEndian.PutUint64(s[:], seed)
		r = mrand.NewChaCha8(s)
	}
	var ps []*identity.Identity
	for j := range 8 {
		id, err := identity.NewFrom(fmt.Sprintf("Person %d", j), t0, r)
		if err != nil {
			panic(err)
		}
		ps = append(ps, id)
	}
	return ps
}

// withPeople runs body with the test people (and the nonces of the
// hostile histories) of seed, as -crdt.people seed would, and puts back
// those of the run after it: a history the matrix breaks with another
// seed is replayed by name.
func withPeople(t *testing.T, seed uint64, body func()) {
	person(t, 0)
	saved, savedSeed := people, *peopleSeed
	defer func() { people, *peopleSeed = saved, savedSeed }()
	people, *peopleSeed = makePeople(seed), seed
	body()
}

// must returns v, or panics (failing the test) if err is not nil.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func rating(s, r int) Rating { return Rating{Safety: s, Reliability: r, Day: "2026-11-20"} }

func TestFoundAdmitRate(t *testing.T) {
	a, b, x := person(t, 0), person(t, 1), person(t, 2)
	c := must(Found(a, "Night shift", t0))
	st := c.State()
	if !st.Founded || st.Name != "Night shift" || st.Founder != a.Card.ID() || !st.IsMember(a.Card.ID()) {
		t.Fatalf("after founding: %+v", st)
	}
	admitJoin(c, a, b, t0)
	if !c.State().IsMember(b.Card.ID()) {
		t.Fatal("b not a member after admission")
	}
	if _, err := c.Admit(a, b.Card, t0); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("second admission: %v", err)
	}
	if _, err := c.Admit(x, b.Card, t0); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("admission by non-member: %v", err)
	}
	// Rating a non-member publishes their card first.
	must(c.Rate(b, x.Card, rating(2, 3), t0))
	must(c.Rate(b, x.Card, rating(1, 1), t0.Add(time.Hour)))
	st = c.State()
	rs := st.RatingsAbout(x.Card.ID())
	if len(rs) != 1 || rs[0].Rating.Safety != 1 || rs[0].Author != b.Card.ID() || rs[0].Cell != c.ID() {
		t.Fatalf("ratings about x: %+v", rs)
	}
	if len(st.Superseded) != 1 || len(st.Invalid) != 0 {
		t.Fatalf("superseded %v invalid %v", st.Superseded, st.Invalid)
	}
	if st.Cards[x.Card.ID()] == nil || st.IsMember(x.Card.ID()) {
		t.Fatal("x's card should be known, x not a member")
	}
	if _, err := c.Rate(b, x.Card, Rating{Safety: 6, Reliability: 1, Day: "2026-11-20"}, t0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("rating 6: %v", err)
	}
	if _, err := c.Rate(b, b.Card, rating(5, 5), t0); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("self rating: %v", err)
	}

	// Round trip through the saved document.
	d := must(Load(c.Save()))
	if d.ID() != c.ID() || d.State().Digest() != c.State().Digest() {
		t.Fatal("state differs after save and load")
	}
}

func TestExclusionQuorum(t *testing.T) {
	a, b, x := person(t, 0), person(t, 1), person(t, 2)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, b, t0)
	admitJoin(c, a, x, t0)
	// Three members: excluding x needs both others.
	must(c.VoteExclude(a, x.Card.ID(), t0))
	if m, _ := c.State().Member(x.Card.ID()); m.Status != StatusMember {
		t.Fatalf("one vote of two excluded x: %v", m.Status)
	}
	if len(c.State().Votes) != 1 {
		t.Fatalf("open votes: %v", c.State().Votes)
	}
	must(c.VoteExclude(b, x.Card.ID(), t0))
	m, _ := c.State().Member(x.Card.ID())
	if m.Status != StatusExcluded || len(m.ExcludedBy) != 2 {
		t.Fatalf("x after two votes: %+v", m)
	}
	if _, err := c.Rate(x, a.Card, rating(1, 1), t0); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("excluded member rated: %v", err)
	}
	if _, err := c.Admit(a, x.Card, t0); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("re-admitting an excluded member: %v", err)
	}
}

func TestPolicyAndLeave(t *testing.T) {
	a, b, x, y := person(t, 0), person(t, 1), person(t, 2), person(t, 3)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, b, t0)
	// With two members, a new policy needs both.
	must(c.SetPolicy(a, Policy{AdmitVouches: 2}, t0))
	if c.State().Policy.AdmitVouches != 1 || len(c.State().Proposals) != 1 {
		t.Fatalf("one member of two changed the policy: %+v", c.State().Policy)
	}
	must(c.SetPolicy(b, Policy{AdmitVouches: 2}, t0))
	if c.State().Policy.AdmitVouches != 2 || len(c.State().Proposals) != 0 {
		t.Fatalf("both members voted, policy %+v, open %v", c.State().Policy, c.State().Proposals)
	}
	admitJoin(c, a, x, t0)
	if m, _ := c.State().Member(x.Card.ID()); m.Status != StatusPending {
		t.Fatalf("x with one vouch of two: %v", m.Status)
	}
	admitJoin(c, b, x, t0)
	if m, _ := c.State().Member(x.Card.ID()); m.Status != StatusMember || len(m.VouchedBy) != 2 {
		t.Fatalf("x with two vouches: %+v", m)
	}
	admitJoin(c, a, y, t0)
	// Lowering the bar admits the pending person: two of three vote.
	must(c.SetPolicy(b, Policy{AdmitVouches: 1, ExcludeQuorum: 1}, t0))
	if c.State().IsMember(y.Card.ID()) {
		t.Fatal("one vote of three changed the policy")
	}
	must(c.SetPolicy(x, Policy{AdmitVouches: 1, ExcludeQuorum: 1}, t0))
	if !c.State().IsMember(y.Card.ID()) {
		t.Fatal("y should be a member after the policy change")
	}
	must(c.Leave(y, t0))
	if m, _ := c.State().Member(y.Card.ID()); m.Status != StatusLeft {
		t.Fatalf("y after leaving: %v", m.Status)
	}
	// Fixed quorum 1: one vote excludes.
	must(c.VoteExclude(a, x.Card.ID(), t0))
	if m, _ := c.State().Member(x.Card.ID()); m.Status != StatusExcluded {
		t.Fatalf("x after one vote with quorum 1: %v", m.Status)
	}
	if _, err := c.SetPolicy(a, Policy{AdmitVouches: 0}, t0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("policy 0 vouches: %v", err)
	}
}

func TestSyncChanges(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	ca := must(Found(a, "Cell", t0))
	admitJoin(ca, a, b, t0)
	chunk := must(ca.ChangesSince(nil))
	cb := must(Load(chunk))
	if cb.State().Digest() != ca.State().Digest() {
		t.Fatal("b's copy differs")
	}
	heads := cb.Heads()
	must(cb.Rate(b, a.Card, rating(5, 4), t0))
	must(ca.Rate(a, b.Card, rating(4, 4), t0))
	back := must(cb.ChangesSince(heads))
	if err := ca.ApplyChanges(back); err != nil {
		t.Fatal(err)
	}
	if err := cb.ApplyChanges(must(ca.ChangesSince(cb.Heads()))); err != nil {
		t.Fatal(err)
	}
	if ca.State().Digest() != cb.State().Digest() || len(ca.State().Ratings) != 2 {
		t.Fatalf("replicas differ: %d ratings", len(ca.State().Ratings))
	}
	// Applying again changes nothing.
	d := ca.State().Digest()
	if err := ca.ApplyChanges(back); err != nil || ca.State().Digest() != d {
		t.Fatalf("second apply: %v", err)
	}
}

func TestClone(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	c := must(Found(a, "Cell", t0))
	admitJoin(c, a, b, t0)
	d := must(c.Clone())
	must(d.Rate(a, b.Card, rating(2, 2), t0))
	if len(c.State().Ratings) != 0 || len(d.State().Ratings) != 1 {
		t.Fatal("clone is not independent")
	}
	if err := c.Merge(d); err != nil || c.State().Digest() != d.State().Digest() {
		t.Fatalf("merge clone: %v", err)
	}
}

// admitJoin has voucher vouch for p in c and p accept, as the two devices
// would; p's acceptance is skipped when p has accepted already.
func admitJoin(c *Cell, voucher, p *identity.Identity, now time.Time) *Statement {
	s := must(c.Admit(voucher, p.Card, now))
	if c.State().IsInvited(p.Card.ID()) {
		must(c.Join(p, now))
	}
	return s
}

// vouchCell is a cell of persons 0-3 that needs two vouches to admit.
func vouchCell(t *testing.T) *Cell {
	t.Helper()
	a, b, c, d := person(t, 0), person(t, 1), person(t, 2), person(t, 3)
	cell := testCell(t, a, "Cell", t0)
	for _, m := range []*identity.Identity{b, c, d} {
		admitJoin(cell, a, m, t0)
	}
	for _, m := range []*identity.Identity{a, b, c} {
		must(cell.SetPolicy(m, Policy{AdmitVouches: 2}, t0))
	}
	if cell.State().Policy.AdmitVouches != 2 {
		t.Fatalf("policy %+v", cell.State().Policy)
	}
	return cell
}

// leaveAndReturn has m leave the cell of vouchCell and be admitted again
// by persons 0 and 2.
func leaveAndReturn(t *testing.T, cell *Cell, m *identity.Identity) {
	t.Helper()
	must(cell.Leave(m, t0))
	must(cell.Admit(person(t, 0), m.Card, t0))
	admitJoin(cell, person(t, 2), m, t0)
	if !cell.State().IsMember(m.Card.ID()) {
		t.Fatalf("%s was not admitted again", m.Card.Pseudonym)
	}
}

// TestVouchAgainAfterComingBack: Bo vouches for Pia, leaves, and is
// admitted again; his vouch went when he left. A vouch counts once per
// membership of its author (SCHEMA §3, admit), so he may vouch again,
// and the rules and CanAdmit agree; with Di's vouch Pia is invited.
// Before rules revision 16 Bo could not: "you already vouched", though
// nothing of his counted.
func TestVouchAgainAfterComingBack(t *testing.T) {
	b, d, p := person(t, 1), person(t, 3), person(t, 4)
	cell := vouchCell(t)
	pia := p.Card.ID()
	must(cell.Admit(b, p.Card, t0))
	leaveAndReturn(t, cell, b)
	if err := cell.State().CanAdmit(b.Card.ID(), pia); err != nil {
		t.Fatalf("Bo, back, may not vouch for Pia: %v", err)
	}
	must(cell.Admit(b, p.Card, t0))
	st := cell.State()
	if m, _ := st.Member(pia); st.VouchesCounted(pia) != 1 || !slices.Equal(m.Vouching, []identity.ID{b.Card.ID()}) || len(m.VouchedBy) != 1 {
		t.Fatalf("Bo's second vouch: %d count, vouching %v, vouched by %v; want 1, Bo, Bo once", st.VouchesCounted(pia), m.Vouching, m.VouchedBy)
	}
	if err := st.CanAdmit(b.Card.ID(), pia); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("Bo may vouch a third time: %v", err)
	}
	must(cell.Admit(d, p.Card, t0))
	if !cell.State().IsInvited(pia) {
		m, _ := cell.State().Member(pia)
		t.Errorf("with Bo's and Di's vouches Pia is %s", m.Status)
	}
}

// TestAttackVouchManyTimes: Bo, to let a fake in alone where two vouches
// are needed, vouches for it, signs a second vouch with a modified client,
// and then leaves and comes back three times, vouching each time. His
// vouches never count more than once at a time: the fake keeps waiting.
func TestAttackVouchManyTimes(t *testing.T) {
	b, fake := person(t, 1), person(t, 5)
	cell := vouchCell(t)
	id := fake.Card.ID()
	check := func(when string) {
		t.Helper()
		st := cell.State()
		if m, _ := st.Member(id); m.Status != StatusPending || st.VouchesCounted(id) != 1 {
			t.Fatalf("%s: the fake is %s with %d vouches counted, want pending with 1", when, m.Status, st.VouchesCounted(id))
		}
	}
	must(cell.Admit(b, fake.Card, t0))
	forge(t, cell, b, &Statement{Kind: KindAdmit, Card: fake.Card}, cell.State().Heads, false)
	check("after a second vouch in one membership")
	for range 3 {
		leaveAndReturn(t, cell, b)
		must(cell.Admit(b, fake.Card, t0))
		check("after leaving, coming back and vouching again")
	}
}

// TestLeaveTakesBackOnlyAVouchThatCounts: Bo vouched for Pia when she
// was first admitted; she left and was vouched for again. When Bo
// leaves, only a vouch of his that counts now goes: none if Cy and Di
// vouched for her return (his counted for an admission that is over),
// one if he and Cy did. Before revision 16 his leaving took one vouch
// in the first case and two in the second.
func TestLeaveTakesBackOnlyAVouchThatCounts(t *testing.T) {
	a, b, c, d, p := person(t, 0), person(t, 1), person(t, 2), person(t, 3), person(t, 4)
	for _, tc := range []struct {
		again []*identity.Identity
		want  int
	}{{[]*identity.Identity{c, d}, 2}, {[]*identity.Identity{b, c}, 1}} {
		cell := vouchCell(t)
		pia := p.Card.ID()
		must(cell.Admit(b, p.Card, t0))
		admitJoin(cell, a, p, t0)
		must(cell.Leave(p, t0))
		for _, v := range tc.again {
			must(cell.Admit(v, p.Card, t0))
		}
		if !cell.State().IsInvited(pia) {
			t.Fatal("Pia, back with two vouches, is not invited")
		}
		must(cell.Leave(b, t0))
		if n := cell.State().VouchesCounted(pia); n != tc.want {
			t.Errorf("vouched for again by %s and %s, after Bo left: %d vouches count for Pia, want %d", tc.again[0].Card.Pseudonym, tc.again[1].Card.Pseudonym, n, tc.want)
		}
	}
}

// TestVouchesCountedAsTheRulesCount: Bo vouches for Pia in a cell that
// needs two vouches, leaves, and is admitted again. His vouch went when
// he left, so nothing counts for Pia, though Bo is a member again and
// still listed among her vouchers; Di's vouch then makes one of two, and
// Pia still waits.
func TestVouchesCountedAsTheRulesCount(t *testing.T) {
	b, d, p := person(t, 1), person(t, 3), person(t, 4)
	cell := vouchCell(t)
	pia := p.Card.ID()
	must(cell.Admit(b, p.Card, t0))
	if n := cell.State().VouchesCounted(pia); n != 1 {
		t.Fatalf("with Bo's vouch: %d vouches count, want 1", n)
	}
	leaveAndReturn(t, cell, b)
	if n := cell.State().VouchesCounted(pia); n != 0 {
		t.Errorf("after Bo left and came back: %d vouches count for Pia, want 0 (his went when he left)", n)
	}
	must(cell.Admit(d, p.Card, t0))
	m, _ := cell.State().Member(pia)
	if m.Status == StatusMember || m.Status == StatusInvited || cell.State().VouchesCounted(pia) != 1 {
		t.Errorf("with Di's vouch Pia is %s with %d vouches counted, want waiting with 1", m.Status, cell.State().VouchesCounted(pia))
	}
}
