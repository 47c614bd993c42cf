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
		base, _ := hostileCell(t, n)
		devices := make([]*Cell, n+1)
		for i := range devices {
			devices[i] = must(Load(base.Save()))
		}
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
