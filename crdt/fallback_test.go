package crdt

import (
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"testing"

	"trustdesk/identity"
	"trustdesk/internal/testenv"
)

// The fallback after the rounds' bound (SCHEMA §4.4, trials; rules
// revision 13): a member's fakes wage a war of forked histories that uses
// up the four rounds, so that the votes against the member, and the
// fakes' votes against an honest voter, are decided after them.

// fallbackVote is a vote of by against of, as places in warCell's cell:
// 0-2 the honest persons 0-2, 3 Mal, 4 and up Mal's fakes.
type fallbackVote struct{ by, of int }

// fallbackWar returns warCell's war: each voter signs their votes one
// after another, the first built on the head, none having seen another
// voter's; each fake in forks also signs a rating of Mal built on the
// head, beside their votes (a fork of their history).
func fallbackWar(tb testing.TB, fakes []*identity.Identity, votes []fallbackVote, forks []int) func(w *warBuilder, head StatementID) []StatementID {
	who := func(i int) *identity.Identity {
		if i < 4 {
			return person(tb, i)
		}
		return fakes[i-4]
	}
	return func(w *warBuilder, head StatementID) []StatementID {
		last := map[int]StatementID{}
		var voters []int
		for _, v := range votes {
			p, ok := last[v.by]
			if !ok {
				p = head
				voters = append(voters, v.by)
			}
			last[v.by] = w.add(who(v.by), &Statement{Kind: KindExclude, Subject: who(v.of).Card.ID()}, p).id
		}
		heads := []StatementID{head}
		if len(voters) > 0 {
			heads = heads[:0]
		}
		for _, by := range voters {
			heads = append(heads, last[by])
		}
		for _, f := range forks {
			heads = append(heads, w.add(who(f), &Statement{Kind: KindRate, Subject: person(tb, 3).Card.ID(), Rating: rating(5, 5)}, head).id)
		}
		return heads
	}
}

// fallbackCell returns a cell where quorum votes exclude, Mal admitted k
// fakes, and the war of votes and forks followed.
func fallbackCell(tb testing.TB, quorum, k int, votes []fallbackVote, forks []int) (CellID, []*entry) {
	fakes := warFakes(tb, k)
	return warCell(tb, Policy{AdmitVouches: 1, ExcludeQuorum: quorum}, fakes, 150, 5, fallbackWar(tb, fakes, votes, forks))
}

// toTheEnd derives the cell with rounds that run until one finds nobody
// new (rules revision 11), the outcome the rounds' bound stands in for.
func toTheEnd(tb testing.TB, cell CellID, es []*entry) *State {
	defer func(r, t, w int) { minWarRounds, roundTrials, roundWork = r, t, w }(minWarRounds, roundTrials, roundWork)
	minWarRounds, roundTrials, roundWork = 1<<20, 1<<20, 1<<50
	return must(deriveWithin(cell, es, verifySignature, 0))
}

// sameAsToTheEnd fails t when rounds run to the end, or the same
// statements held in another order, derive another state than st.
func sameAsToTheEnd(t *testing.T, cell CellID, es []*entry, st *State) {
	t.Helper()
	if end := toTheEnd(t, cell, es); end.Digest() != st.Digest() {
		t.Error("rounds run to the end derive another state")
	}
	rev := slices.Clone(es)
	slices.Reverse(rev)
	if other := must(deriveWithin(cell, rev, verifySignature, 0)); other.Digest() != st.Digest() {
		t.Error("another order of the same statements derives another state")
	}
}

// TestAttackFallbackRescue: in a cell where two votes exclude, persons 1
// and 2 vote Mal out. Mal's nine fakes (F0-F8; F0, F1, F2, F4 and F8
// forked their histories) vote each other out, none having seen the
// others' votes, and four of them (F3, F4, F5, F6) vote against person
// 1. Each of the first four rounds is a race that fixes one forker, so
// person 1, Mal and the fakes left are decided after the rounds' bound.
// With rules revision 12 the candidates left were tried one after
// another: person 1 first (four voters he had not voted against, no
// fork), while F5, excluded without anyone's statements but her own,
// was not fixed yet; her vote completed person 1's exclusion, his vote
// against Mal was set aside with it, and Mal, with person 2's vote
// alone, stayed a member: a counter-attack by the fakes, resting on a
// vote that counts for nothing in the end. Rounds run to the end fix F5
// in a fifth round, and person 1 stays. Revision 13's last round without
// a race fixes her as well, before anyone is tried alone.
func TestAttackFallbackRescue(t *testing.T) {
	votes := []fallbackVote{{4, 7}, {5, 8}, {5, 10}, {5, 11}, {6, 10}, {7, 1}, {7, 4}, {7, 10}, {7, 11}, {8, 1}, {8, 4}, {8, 5},
		{9, 1}, {9, 2}, {9, 6}, {9, 11}, {10, 1}, {10, 4}, {10, 5}, {10, 8}, {10, 9}, {10, 12}, {11, 5}, {11, 6}, {11, 9}, {11, 12},
		{12, 6}, {12, 9}, {12, 10}, {0, 8}, {1, 3}, {1, 6}, {2, 3}, {2, 7}}
	cell, es := fallbackCell(t, 2, 9, votes, []int{4, 5, 6, 8, 12})
	// Revision 15 runs this war to its end; bounded as revision 13
	// bounded it (four rounds, then the last), it shows the last round.
	defer func(w int) { roundWork = w }(roundWork)
	roundWork = 0
	bounded := false
	defer func(f func()) { onBound = f }(onBound)
	onBound = func() { bounded = true }
	st, _, rounds, trials := warCost(t, cell, es)
	if !bounded {
		t.Fatalf("%d rounds, %d trials: the war no longer reaches the rounds' bound", rounds, trials)
	}
	for i := range 3 {
		if !st.IsMember(person(t, i).Card.ID()) {
			t.Errorf("person %d, who voted against nobody honest, is %s", i, status(st, person(t, i)))
		}
	}
	if s := status(st, person(t, 3)); s != StatusExcluded {
		t.Errorf("Mal, voted out by persons 1 and 2, is %s", s)
	}
	sameAsToTheEnd(t, cell, es, st)
}

var (
	fallbackCases = flag.Int("crdt.fallback", 40, "number of random wars in TestFallbackHistories")
	fallbackSeed  = flag.Uint64("crdt.fallbackseed", 14, "seed of the random wars of TestFallbackHistories")
	fallbackLong  = flag.Bool("crdt.fallbacklong", false, "longer wars in TestFallbackHistories (the gap of SCHEMA §4.7 that revision 13 leaves)")
)

// fakeVotes draws the votes of k fakes: each against each other fake
// and against persons 1 and 2, with the chance given in percent.
func fakeVotes(r *mrand.Rand, k, percent int) []fallbackVote {
	var vs []fallbackVote
	for by := 4; by < 4+k; by++ {
		for of := 1; of < 4+k; of++ {
			if of != by && of != 3 && r.IntN(100) < percent {
				vs = append(vs, fallbackVote{by, of})
			}
		}
	}
	return vs
}

// fallbackShape draws a war: each fake votes against each other fake and
// against persons 1 and 2 with some chance, persons 0-2 vote against Mal
// and now and then against a fake, in half the wars Mal votes against
// some of persons 0-2, and some fakes fork.
func fallbackShape(r *mrand.Rand, k int) ([]fallbackVote, []int) {
	vs := fakeVotes(r, k, 35)
	for by := range 3 {
		if r.IntN(100) < 70 {
			vs = append(vs, fallbackVote{by, 3})
		}
		for of := 4; of < 4+k; of++ {
			if r.IntN(100) < 8 {
				vs = append(vs, fallbackVote{by, of})
			}
		}
	}
	if r.IntN(2) == 0 {
		for of := range 3 {
			if r.IntN(2) == 0 {
				vs = append(vs, fallbackVote{3, of})
			}
		}
	}
	var forks []int
	for f := 4; f < 4+k; f++ {
		if r.IntN(100) < 40 {
			forks = append(forks, f)
		}
	}
	return vs, forks
}

// longFallbackShape draws a longer war: eight to twelve fakes, most of
// them forked, each voting against each other fake and persons 1 and 2
// with some chance, persons 0-2 all voting against Mal and now and then
// against a fake.
func longFallbackShape(r *mrand.Rand) (int, int, []fallbackVote, []int) {
	q := []int{1, 2, 2, 3}[r.IntN(4)]
	k := 8 + r.IntN(5)
	vs := fakeVotes(r, k, 40)
	for by := range 3 {
		vs = append(vs, fallbackVote{by, 3})
		for of := 4; of < 4+k; of++ {
			if r.IntN(100) < 12 {
				vs = append(vs, fallbackVote{by, of})
			}
		}
	}
	var forks []int
	for f := 4; f < 4+k; f++ {
		if r.IntN(100) < 60 {
			forks = append(forks, f)
		}
	}
	return q, k, vs, forks
}

// TestFallbackHistories plays random wars of TestAttackFallbackRescue's
// kind (-crdt.fallback N of them, from -crdt.fallbackseed) and checks
// that the rounds' bound does not decide against the honest side where
// rounds run to the end would not: nobody of persons 0-2 excluded who
// would be a member, and Mal not a member where he would be excluded.
// With -crdt.fallback 3000 -crdt.fallbackseed 15, revision 12 failed 2
// (wars 559, TestAttackFallbackRescue, and 2671), revision 13 none.
// -crdt.fallbacklong plays longer wars, where the gap revision 13
// leaves shows (SCHEMA §4.7, "Known gap"; ROUNDS.md, "The fallback after
// the rounds' bound"): with -crdt.fallback 1000
// -crdt.fallbackseed 99, revision 12 fails 11, revision 13 7 and
// revision 15, whose rounds go on while their trials are cheap, none.
func TestFallbackHistories(t *testing.T) {
	cases := *fallbackCases
	if testenv.Race {
		cases = min(cases, 10)
	}
	r := mrand.New(mrand.NewPCG(*fallbackSeed, *fallbackSeed))
	for c := range cases {
		var q, k int
		var votes []fallbackVote
		var forks []int
		if *fallbackLong {
			q, k, votes, forks = longFallbackShape(r)
		} else {
			q = []int{1, 2, 3, 0}[r.IntN(4)]
			k = 5 + r.IntN(5)
			votes, forks = fallbackShape(r, k)
		}
		cell, es := fallbackCell(t, q, k, votes, forks)
		st := must(deriveWithin(cell, es, verifySignature, 0))
		end := toTheEnd(t, cell, es)
		var broke string
		for i := range 3 {
			if id := person(t, i).Card.ID(); status(st, person(t, i)) == StatusExcluded && end.IsMember(id) {
				broke += fmt.Sprintf(" person %d excluded;", i)
			}
		}
		if st.IsMember(person(t, 3).Card.ID()) && status(end, person(t, 3)) == StatusExcluded {
			broke += " Mal a member;"
		}
		if broke != "" {
			t.Errorf("war %d (quorum %d, %d fakes):%s votes %v, forks %v", c, q, k, broke, votes, forks)
		}
	}
}

// TestAttackLongWarFallback: war 756 of TestFallbackHistories
// -crdt.fallbacklong -crdt.fallback 1000 -crdt.fallbackseed 99, one of
// the 7 that revision 13 decided against the honest side (SCHEMA §4.7,
// "Known gap" before revision 15). In a cell where two votes exclude,
// persons 0-2 vote Mal out; his eleven fakes, seven of them forked,
// vote each other out and some vote against persons 1 and 2, none
// having seen another's votes. The war takes eight rounds to the end;
// revision 13 stopped after the fourth and a last round, and tried the
// rest one after another: person 1 was tried before a fake whose
// exclusion a fifth round would have fixed first, was excluded at that
// fake's vote, and his vote against Mal was set aside, so Mal stayed a
// member. Revision 15 bounds the rounds by what their trials cost (a
// few hundred statements each here), so this war runs to its end.
func TestAttackLongWarFallback(t *testing.T) {
	votes := []fallbackVote{{4, 1}, {4, 10}, {4, 13}, {5, 2}, {5, 7}, {5, 8}, {5, 11}, {5, 12}, {6, 1}, {6, 8}, {6, 9}, {6, 11}, {6, 13},
		{7, 2}, {7, 5}, {7, 10}, {8, 7}, {8, 12}, {8, 13}, {9, 1}, {9, 4}, {9, 5}, {9, 10}, {10, 1}, {10, 5}, {10, 6}, {10, 7}, {10, 12},
		{10, 14}, {11, 1}, {11, 2}, {11, 4}, {11, 6}, {11, 7}, {11, 8}, {11, 10}, {11, 12}, {12, 1}, {12, 4}, {12, 6}, {12, 8}, {12, 9},
		{12, 11}, {12, 14}, {13, 2}, {13, 4}, {13, 5}, {13, 6}, {13, 10}, {13, 14}, {14, 1}, {14, 4}, {14, 10}, {14, 11}, {14, 13},
		{0, 3}, {0, 8}, {1, 3}, {1, 9}, {2, 3}, {2, 4}, {2, 10}}
	cell, es := fallbackCell(t, 2, 11, votes, []int{5, 6, 7, 9, 10, 11, 14})
	st, _, rounds, trials := warCost(t, cell, es)
	// Person 2 is excluded either way: four fakes, members whose votes
	// count, vote against her where two votes exclude.
	if s := status(st, person(t, 1)); s != StatusMember {
		t.Errorf("person 1, whom rounds run to the end keep, is %s", s)
	}
	if s := status(st, person(t, 3)); s != StatusExcluded {
		t.Errorf("Mal, voted out by persons 0-2, is %s", s)
	}
	if rounds <= 5 {
		t.Errorf("%d rounds, %d trials: the war no longer runs past the fifth round", rounds, trials)
	}
	sameAsToTheEnd(t, cell, es, st)
}
