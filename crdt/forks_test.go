package crdt

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"trustdesk/identity"
)

// TestForkedAuthors: Mal signs two statements on the same past, neither
// of which saw the other (what a modified client sends two devices), and
// Ana signs one that leaves out her own last one (a backdated one):
// both forked their history, whoever else acted in between; Bo, who
// acted honestly on two devices that synced, did not. only restricts
// the search, and a search out of work says so.
func TestForkedAuthors(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		ana, bo, mal := person(t, 0), person(t, 1), person(t, 2)
		c, heads := hostileCell(t, 4)
		must(c.Rate(bo, person(t, 3).Card, Rating{Safety: 4, Reliability: 4, Day: "2026-11-20"}, t0))
		if got, ok := c.ForkedAuthors(nil); len(got) != 0 || !ok {
			t.Fatalf("an honest cell: forked %v, complete %v", got, ok)
		}
		forge(t, c, mal, &Statement{Kind: KindExclude, Subject: ana.Card.ID()}, heads, true)
		forge(t, c, mal, &Statement{Kind: KindExclude, Subject: bo.Card.ID()}, heads, false)
		must(c.Rate(ana, person(t, 3).Card, Rating{Safety: 3, Reliability: 4, Day: "2026-11-20"}, t0))
		must(c.Rate(bo, person(t, 3).Card, Rating{Safety: 5, Reliability: 4, Day: "2026-11-20"}, t0.Add(time.Minute)))
		forge(t, c, ana, &Statement{Kind: KindExclude, Subject: mal.Card.ID()}, heads, true)
		got, ok := c.ForkedAuthors(nil)
		if want := sortedIDs(map[identity.ID]bool{ana.Card.ID(): true, mal.Card.ID(): true}); !slices.Equal(got, want) || !ok {
			t.Fatalf("forked %v, complete %v; want Ana and Mal, complete", got, ok)
		}
		if got, ok := c.ForkedAuthors(map[identity.ID]bool{mal.Card.ID(): true, bo.Card.ID(): true}); !slices.Equal(got, []identity.ID{mal.Card.ID()}) || !ok {
			t.Fatalf("among Mal and Bo: forked %v, complete %v; want Mal", got, ok)
		}
		if _, ok := forkedIn(ordered(c), nil, 1); ok {
			t.Error("a search out of work says it is complete")
		}
	})
}

// TestForkedAuthorsHonest: people who act on their own devices, each
// taking in what others send in any order at any time, never fork their
// history; a person who copies their device and acts on both copies
// does when neither copy saw what the other did, and is then the only
// one found, as a search of every statement's whole past finds
// (forkersOf).
func TestForkedAuthorsHonest(t *testing.T) {
	const n = 5
	forks := 0
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		_, devices := copiedDevices(t, n)
		owner := func(d int) int { return min(d, n-1) } // device n is a copy of person n-1's
		copied := seed%2 == 1
		for step := range 60 {
			d := rng.IntN(n + 1)
			if d == n && !copied {
				continue
			}
			if rng.IntN(3) == 0 {
				if err := devices[d].Merge(devices[rng.IntN(n+1)]); err != nil {
					t.Fatal(err)
				}
				continue
			}
			who, about := person(t, owner(d)), person(t, (owner(d)+1+rng.IntN(n-1))%n)
			r := Rating{Safety: 1 + rng.IntN(5), Reliability: 1 + rng.IntN(5), Day: "2026-11-20", Note: fmt.Sprint(step)}
			must(devices[d].Rate(who, about.Card, r, t0.Add(time.Duration(step)*time.Second)))
		}
		all := merged(t, devices...)
		got, ok := all.ForkedAuthors(nil)
		want := forkersOf(ordered(all))
		slices.SortFunc(want, func(a, b identity.ID) int { return bytes.Compare(a[:], b[:]) })
		if len(want) > 0 {
			forks++
		}
		if !slices.Equal(got, want) || !ok || !copied && len(want) > 0 || len(want) > 1 {
			t.Errorf("seed %d (copied %v): forked %v, complete %v; the whole pasts find %v", seed, copied, got, ok, want)
		}
	}
	if forks == 0 {
		t.Error("no copied device forked: the test tests nothing")
	}
}

// BenchmarkForkedAuthors10k looks for forked histories in a
// 10,000-statement cell whose statements are decoded and whose
// signatures were checked (as after an import), to compare with
// BenchmarkDerive10k.
func BenchmarkForkedAuthors10k(b *testing.B) {
	c := must(Load(big10k(b)))
	c.State()
	for b.Loop() {
		if got, ok := c.ForkedAuthors(nil); len(got) != 0 || !ok {
			b.Fatalf("forked %v, complete %v", got, ok)
		}
	}
}

// copiedDevices founds a cell of the first n people of the test set and
// returns it with n+1 devices holding it: one each, and a copy of the
// last person's.
func copiedDevices(t *testing.T, n int) (*Cell, []*Cell) {
	t.Helper()
	base, _ := hostileCell(t, n)
	devices := make([]*Cell, n+1)
	for i := range devices {
		devices[i] = must(Load(base.Save()))
	}
	return base, devices
}

// TestNewlyForked: a stored cell takes in what random devices did, some
// of them copies of one person's device acting apart, some a changed
// program signing backdated statements; what the cell takes in shows
// forked exactly the people a search of every statement's whole past
// finds forked after and not before, looking only at what is new. A
// statement the cell held made but did not store yet is not new.
func TestNewlyForked(t *testing.T) {
	const n = 5
	reported := 0
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 11))
		base, devices := copiedDevices(t, n)
		owner := func(d int) int { return min(d, n-1) } // device n is a copy of person n-1's
		act := func(step int) {
			d := rng.IntN(n + 1)
			switch k := rng.IntN(6); {
			case k < 2:
				if err := devices[d].Merge(devices[rng.IntN(n+1)]); err != nil {
					t.Fatal(err)
				}
			case k == 2 && seed%3 == 0:
				// A changed program: a statement on the founding heads.
				forge(t, devices[d], person(t, owner(d)), &Statement{Kind: KindRate, Subject: person(t, (owner(d)+1)%n).Card.ID(),
					Rating: Rating{Safety: 2, Reliability: 2, Day: "2026-11-20", Note: fmt.Sprint("forged ", step)}}, base.State().Heads, rng.IntN(2) == 0)
			case d < n || seed%2 == 1:
				who, about := person(t, owner(d)), person(t, (owner(d)+1+rng.IntN(n-1))%n)
				r := Rating{Safety: 1 + rng.IntN(5), Reliability: 1 + rng.IntN(5), Day: "2026-11-20", Note: fmt.Sprint(step)}
				must(devices[d].Rate(who, about.Card, r, t0.Add(time.Duration(step)*time.Second)))
			}
		}
		for step := range 40 {
			act(step)
		}
		held := merged(t, devices[:1+rng.IntN(n)]...)
		(&partsStore{}).apply(t, held)
		must(held.Rate(person(t, 0), person(t, 1).Card, Rating{Safety: 3, Reliability: 3, Day: "2026-11-20", Note: "mine"}, t0))
		for step := range 40 {
			act(40 + step)
		}
		next := must(held.Clone())
		for _, d := range devices {
			if err := next.Merge(d); err != nil {
				t.Fatal(err)
			}
		}
		was := map[identity.ID]bool{}
		for _, id := range forkersOf(ordered(held)) {
			was[id] = true
		}
		want := map[identity.ID]bool{}
		for _, id := range forkersOf(ordered(next)) {
			if !was[id] {
				want[id] = true
			}
		}
		next.State()
		got, ok := next.NewlyForked(held)
		if !slices.Equal(got, sortedIDs(want)) || !ok {
			t.Errorf("seed %d: newly forked %v, complete %v; the whole pasts find %v", seed, got, ok, sortedIDs(want))
		}
		if full, _ := next.ForkedAuthors(nil); len(full) < len(got) {
			t.Errorf("seed %d: %d newly forked of %d forked", seed, len(got), len(full))
		}
		reported += len(got)
	}
	if reported == 0 {
		t.Error("nobody forked: the test tests nothing")
	}
}

// BenchmarkNewlyForked10k is what an import of 10 new ratings into a
// stored 10,000-statement cell pays to look for forked histories
// (NewlyForked), to compare with BenchmarkForkedAuthors10k (the whole
// cell looked at).
func BenchmarkNewlyForked10k(b *testing.B) {
	held := must(Load(big10k(b)))
	held.State()
	(&partsStore{}).apply(b, held)
	next := must(held.Clone())
	a, m := person(b, 0), person(b, 1)
	for i := range 10 {
		must(next.Rate(a, m.Card, rating(1+i%5, 2), t0))
	}
	next.State()
	for b.Loop() {
		if got, ok := next.NewlyForked(held); len(got) != 0 || !ok {
			b.Fatalf("forked %v, complete %v", got, ok)
		}
	}
}

// TestForkedNotFramedByAWithheldStatement: a sender passes on Ana's
// next statement but not Bo's, which it was built on (a file made by a
// changed program can leave anything out). Ana's statement then lacks
// part of its past; it does not count, and it does not show Ana
// forking, whether the cell is stored or not.
func TestForkedNotFramedByAWithheldStatement(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		held, _ := hostileCell(t, 3)
		a, bo := person(t, 0), person(t, 1)
		must(held.Rate(a, bo.Card, Rating{Safety: 3, Reliability: 3, Day: "2026-11-20"}, t0))
		(&partsStore{}).apply(t, held)
		withheld := must(held.Clone())
		must(withheld.Rate(bo, a.Card, Rating{Safety: 4, Reliability: 4, Day: "2026-11-20"}, t0.Add(time.Minute)))
		next := must(held.Clone())
		forge(t, next, a, &Statement{Kind: KindRate, Subject: bo.Card.ID(), Rating: Rating{Safety: 2, Reliability: 2, Day: "2026-11-20"}}, withheld.State().Heads, false)
		next.State()
		if got, _ := next.NewlyForked(held); len(got) != 0 {
			t.Errorf("newly forked %v: a statement whose past is not all here shows nothing", got)
		}
		if got, _ := next.ForkedAuthors(nil); len(got) != 0 {
			t.Errorf("forked %v: a statement whose past is not all here shows nothing", got)
		}
	})
}
