package crdt

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"trustdesk/identity"
)

// TestAfterForkMatchesItsDefinition checks the one pass of afterFork
// against its definition worked out from every statement's whole past,
// on random graphs in which one author forks, builds on both sides and
// interleaves with others: the common past is the longest run of the
// forker's first statements each in the past of the next whose last is
// in the past of all their later ones; every other statement of theirs
// is after the fork. It also checks what the rules need of it: each
// statement of the common past is before or after each other statement
// of the forker's, and the first one after it is neither to some other.
func TestAfterForkMatchesItsDefinition(t *testing.T) {
	var mal, bo identity.ID
	mal[0], bo[0] = 1, 2
	rng := rand.New(rand.NewPCG(12, 0))
	forked := 0
	for c := range 2000 {
		n := 2 + rng.IntN(30)
		order := make([]*node, n)
		for i := range order {
			who := bo
			if rng.IntN(2) == 0 {
				who = mal
			}
			var prev []int
			for p := range i {
				if rng.IntN(4) == 0 || (p == i-1 && rng.IntN(3) > 0) {
					prev = append(prev, p)
				}
			}
			order[i] = &node{e: &entry{stmt: &Statement{Author: who}}, prev: prev}
		}
		past := make([][]bool, n) // past[i][j]: order[j] in the past of order[i], itself included
		for i, nd := range order {
			past[i] = make([]bool, n)
			past[i][i] = true
			for _, p := range nd.prev {
				for j, in := range past[p] {
					past[i][j] = past[i][j] || in
				}
			}
		}
		var own []int
		for i, nd := range order {
			if nd.e.stmt.Author == mal {
				own = append(own, i)
			}
		}
		common := -1
		for end := range own {
			ok := true
			for s := 1; s <= end; s++ {
				ok = ok && past[own[s]][own[s-1]]
			}
			for _, j := range own[end+1:] {
				ok = ok && past[j][own[end]]
			}
			if ok {
				common = end
			}
		}
		want := map[int]bool{}
		for _, i := range own[common+1:] {
			want[i] = true
		}
		w := &war{order: order}
		got := w.afterFork(mal)
		if len(got) != len(want) {
			t.Fatalf("graph %d: after the fork %v, want %v", c, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
		for i := range want {
			if !got[i] {
				t.Fatalf("graph %d: after the fork %v, want %v", c, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
			}
		}
		apart := func(i, j int) bool { return !past[i][j] && !past[j][i] }
		for _, i := range own[:common+1] {
			for _, j := range own {
				if apart(i, j) {
					t.Fatalf("graph %d: %d is in the common past but apart from %d", c, i, j)
				}
			}
		}
		if common+1 < len(own) {
			forked++
			first := own[common+1]
			if !slices.ContainsFunc(own, func(j int) bool { return apart(first, j) }) {
				t.Fatalf("graph %d: %d is the first after the fork but apart from none", c, first)
			}
		}
	}
	if forked < 500 {
		t.Fatalf("only %d of 2000 graphs forked", forked)
	}
}

// TestWarAfterForkOncePerDerivation: where a forker's fork is (afterFork,
// a pass over every statement and prev) is worked out once per forker
// per derivation, however many of the second derivations ask for it: a
// forked leaver's is asked for by withoutLeave and again by the again
// of the derivation without their leave, over the same order (993 of
// TestHostileHistories "open", and 993 and 396 with -crdt.people 7).
// The budget is charged for the pass once, as it is made once.
func TestWarAfterForkOncePerDerivation(t *testing.T) {
	type asked struct {
		order **node
		who   identity.ID
	}
	worked, kept := map[asked]int{}, 0
	var orders [][]*node // kept alive, so that no later order reuses a key
	defer func(f func([]*node, identity.ID, bool)) { onAfterFork = f }(onAfterFork)
	onAfterFork = func(order []*node, who identity.ID, work bool) {
		orders = append(orders, order)
		if !work {
			kept++
			return
		}
		k := asked{&order[0], who}
		worked[k]++
		if worked[k] > 1 {
			t.Errorf("the fork of %x worked out %d times over one order", who[:3], worked[k])
		}
	}
	holdsHostileCase(t, 993, "open")
	withPeople(t, 7, func() {
		holdsHostileCase(t, 993, "open")
		holdsHostileCase(t, 396, "open")
	})
	if len(worked) == 0 || kept == 0 {
		t.Fatalf("forks worked out %d, found kept %d: these histories no longer ask twice", len(worked), kept)
	}
}
