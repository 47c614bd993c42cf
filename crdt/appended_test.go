package crdt

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"trustdesk/internal/testenv"
)

// TestAppendedRatingsMatchDerive plays random histories on a few replicas
// (ratings most of all, but also admissions, votes to exclude, departures,
// policies, cards, and exchanges of changes at random moments) and after
// every step works out the state of the replica that changed both ways:
// from its last state with appendRatings, when it accepts, and by a full
// derive. The two must be equal, field by field; and the histories must
// make appendRatings accept often and decline often, or the test proves
// little.
func TestAppendedRatingsMatchDerive(t *testing.T) {
	cases := casesFor(100, 30)
	person(t, 0)
	var taken, declined int
	for seed := range cases {
		tk, dc, err := appendedCase(uint64(seed))
		if err != nil {
			t.Fatalf("case %d: %v", seed, err)
		}
		taken += tk
		declined += dc
	}
	t.Logf("%d cases: the last state served %d times, a full derive was needed %d times", cases, taken, declined)
	if taken < cases || declined < cases {
		t.Errorf("random histories exercise appendRatings too little: %d taken, %d declined", taken, declined)
	}
}

func appendedCase(seed uint64) (taken, declined int, err error) {
	rng := rand.New(rand.NewPCG(seed, 0x617070656e64))
	ids := people[:6]
	founder := must(Found(ids[0], fmt.Sprintf("Cell %d", seed), t0))
	for i := 1; i < 4; i++ {
		if rng.IntN(5) > 0 {
			admitJoin(founder, ids[0], ids[i], t0)
		}
	}
	for _, p := range ids[4:] {
		must(founder.PublishCard(ids[0], p.Card, t0))
	}
	reps := make([]*Cell, 3)
	for i := range reps {
		reps[i] = must(Load(founder.Save()))
	}
	quiet := rng.IntN(2) == 0 // ratings only, most of the time
	now := t0
	for range 40 {
		now = now.Add(time.Minute)
		r := rng.IntN(len(reps))
		me, c := ids[r], reps[r]
		before, entries := c.State(), entriesOf2(c)
		switch op := rng.IntN(20); {
		case op < 5:
			err = c.ApplyChanges(must(reps[rng.IntN(len(reps))].ChangesSince(c.Heads())))
		case op < 14 || quiet && op < 19:
			rt := Rating{Safety: 1 + rng.IntN(5), Reliability: 1 + rng.IntN(5), Day: "2026-11-20"}
			_, err = c.Rate(me, ids[rng.IntN(len(ids))].Card, rt, now)
		case op < 16:
			_, err = c.VoteExclude(me, ids[rng.IntN(len(ids))].Card.ID(), now)
		case op < 17:
			_, err = c.Leave(me, now)
		case op < 18:
			_, err = c.Admit(me, ids[rng.IntN(len(ids))].Card, now)
		case op < 19:
			_, err = c.SetPolicy(me, Policy{AdmitVouches: 1 + rng.IntN(2), ExcludeQuorum: rng.IntN(3)}, now)
		default:
			_, err = c.PublishCard(me, ids[rng.IntN(len(ids))].Card, now)
		}
		if err != nil && !errors.Is(err, ErrNotAllowed) && !errors.Is(err, ErrInvalid) {
			return taken, declined, err
		}
		if err := stateIsDerived(c); err != nil {
			return taken, declined, err
		}
		after := entriesOf2(c)
		var added []*entry
		for k, e := range after {
			if entries[k] == nil {
				added = append(added, e)
			}
		}
		if len(added) == 0 || len(after) != len(entries)+len(added) {
			continue
		}
		// From outside (false) and as statements of the device (true:
		// the history read from the last state, and appended after open
		// votes too).
		for _, own := range []bool{false, true} {
			got, ok := appendRatings(before, after, added, verifySignature, own)
			if !ok {
				declined++
				continue
			}
			taken++
			if want := derivedInFull(c); !reflect.DeepEqual(got, want) {
				return taken, declined, fmt.Errorf("appended ratings give another state (own: %v):\n%s\n%s", own, describe(got), describe(want))
			}
		}
	}
	return taken, declined, nil
}

// entriesOf2 returns copies of c's entries, with no signature checked.
func entriesOf2(c *Cell) map[string]*entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]*entry, len(c.entries))
	for k, e := range c.entries {
		out[k] = &entry{key: e.key, raw: e.raw}
	}
	return out
}

// stateIsDerived reports an error if the state c shows (which a
// statement of its own may have given it without a full derive, see
// Cell.put) is not the one a full derive of its statements gives.
func stateIsDerived(c *Cell) error {
	if got, want := c.State(), derivedInFull(c); !reflect.DeepEqual(got, want) {
		return fmt.Errorf("the cell's own statement gives another state than a full derive:\n%s\n%s", describe(got), describe(want))
	}
	return nil
}

// derivedInFull returns the state a full derive gives of c's statements,
// every signature checked again.
func derivedInFull(c *Cell) *State {
	fresh := entriesOf2(c)
	es := make([]*entry, 0, len(fresh))
	for _, e := range fresh {
		e.decode()
		es = append(es, e)
	}
	return derive(c.ID(), es, verifySignature)
}

// errOwnState marks a history in which a statement made on a device left
// a state other than a full derive's (see ownStateIsDerived).
var errOwnState = errors.New("a statement of the device left another state than a full derive")

// checkOwnStates makes the hostile histories check the state every
// statement made on a device leaves (ownStateIsDerived); only
// TestOwnRatingsAfterVotesMatchDerive sets it, as each check derives the
// cell in full and the matrix runs thousands of histories.
var checkOwnStates bool

// ownStateIsDerived is stateIsDerived for the hostile histories, when
// checkOwnStates is set: an error there wraps errOwnState, so that
// TestOwnRatingsAfterVotesMatchDerive tells it from a broken rule of the
// matrix.
func ownStateIsDerived(c *Cell) error {
	if !checkOwnStates {
		return nil
	}
	if err := stateIsDerived(c); err != nil {
		return fmt.Errorf("%w: %v", errOwnState, err)
	}
	return nil
}

// TestOwnRatingsAfterVotesMatchDerive plays the hostile histories of
// every mode (TestHostileHistories: honest votes, policies and ratings
// over several replicas, then an excluded person's attack, relayed half
// the time by an honest device that rates on top of it) and checks after
// every statement made on a device that the state it left is the one a
// full derive gives. A rating made after votes to exclude that ended
// nobody's membership is appended to the last state (Cell.put, SCHEMA
// §4.6); the histories must make that happen often, and decline often.
func TestOwnRatingsAfterVotesMatchDerive(t *testing.T) {
	cases := casesFor(40, 10)
	person(t, 0)
	var afterVotes, declined int
	onOwnAppended = func(st *State, ok bool) {
		switch {
		case ok && len(st.Votes) > 0:
			afterVotes++
		case !ok && st != nil && len(st.Votes) > 0:
			declined++
		}
	}
	checkOwnStates = true
	defer func() { onOwnAppended, checkOwnStates = nil, false }()
	for _, mode := range []string{"quiet", "fakes", "answer", "open"} {
		for seed := range cases {
			// A broken rule of the matrix is TestHostileHistories' to
			// report (SCHEMA §4.6 lists the few of mode open); this test
			// looks only at the states statements of a device leave.
			if _, err := hostileCase(t, uint64(seed), mode); errors.Is(err, errOwnState) {
				t.Fatalf("mode %s, case %d: %v", mode, seed, err)
			}
		}
	}
	t.Logf("%d histories: a statement of the device made after open votes was appended %d times and derived in full %d times", 4*cases, afterVotes, declined)
	if afterVotes < cases || declined < cases {
		t.Errorf("the histories exercise appending after votes too little: %d appended, %d declined", afterVotes, declined)
	}
}

// casesFor returns how many random histories a test plays: full, or
// short under -short and -race.
func casesFor(full, short int) int {
	if testing.Short() || testenv.Race {
		return short
	}
	return full
}
