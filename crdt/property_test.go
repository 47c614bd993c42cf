package crdt

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"trustdesk/identity"
	"trustdesk/internal/testenv"
)

var propertyCases = flag.Int("crdt.cases", 1000, "number of random histories in TestConvergence")

// TestConvergence is the property test of issue 3: random concurrent
// histories over several replicas, merged in random orders, always give
// identical derived state. Each replica belongs to one identity and acts
// only as that identity; replicas exchange changes at random moments, so
// statements are made concurrently and conflict (mutual exclusion votes,
// admissions concurrent with the voucher's exclusion, ratings by someone
// being excluded). At the end every replica receives everything, in a
// random order, and all must derive the same state — which must also equal
// the state derived from the statement set alone, in any storage order.
func TestConvergence(t *testing.T) {
	cases := *propertyCases
	if testing.Short() || testenv.Race {
		cases = min(cases, 150)
	}
	person(t, 0)
	var total caseStats
	for i := range cases {
		st, _, err := convergenceCase(uint64(i))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		total.statements += st.statements
		total.excluded += st.excluded
		total.left += st.left
		total.cut += st.cut
		total.pending += st.pending
	}
	t.Logf("%d cases: %d statements, %d exclusions, %d departures, %d pending, %d statements cut by a concurrent exclusion or departure",
		cases, total.statements, total.excluded, total.left, total.pending, total.cut)
	// The histories must exercise the conflict rules, or the test proves
	// little.
	if cases >= 100 && (total.excluded == 0 || total.cut == 0 || total.left == 0 || total.pending == 0) {
		t.Errorf("random histories do not exercise the conflict rules: %+v", total)
	}
}

type caseStats struct{ statements, excluded, left, cut, pending int }

// convergenceCase plays one random history and returns what it found and
// the cell of replica 0 at the end.
func convergenceCase(seed uint64) (caseStats, *Cell, error) {
	var stats caseStats
	rng := rand.New(rand.NewPCG(seed, 0x7472757374))
	nReplicas := 3 + rng.IntN(2)
	ids := make([]*identity.Identity, 6)
	for i := range ids {
		ids[i] = people[i]
	}
	founder := must(Found(ids[0], fmt.Sprintf("Cell %d", seed), t0))
	// Let the founder admit a few others before the replicas part.
	for i := 1; i < nReplicas; i++ {
		if rng.IntN(4) > 0 {
			admitJoin(founder, ids[0], ids[i], t0)
		}
	}
	if rng.IntN(3) == 0 {
		p := Policy{AdmitVouches: 1 + rng.IntN(2), ExcludeQuorum: rng.IntN(3)}
		for _, m := range founder.State().CurrentMembers() {
			for _, id := range ids {
				if id.Card.ID() == m {
					must(founder.SetPolicy(id, p, t0))
				}
			}
		}
	}
	base := founder.Save()
	reps := make([]*Cell, nReplicas)
	for i := range reps {
		reps[i] = must(Load(base))
	}
	now := t0
	steps := 10 + rng.IntN(20)
	for range steps {
		now = now.Add(time.Minute)
		r := rng.IntN(nReplicas)
		me := ids[r]
		c := reps[r]
		var err error
		switch op := rng.IntN(20); {
		case op < 4: // sync from another replica
			o := reps[rng.IntN(nReplicas)]
			if rng.IntN(2) == 0 {
				err = c.ApplyChanges(must(o.ChangesSince(c.Heads())))
			} else {
				err = c.Merge(o)
			}
			if err != nil {
				return stats, nil, err
			}
			continue
		case op < 7:
			_, err = c.Admit(me, ids[rng.IntN(len(ids))].Card, now)
		case op < 12:
			r := Rating{Safety: 1 + rng.IntN(5), Reliability: 1 + rng.IntN(5), Day: "2026-11-20"}
			if rng.IntN(3) == 0 {
				r.Tags, r.Note = []string{"late"}, "note"
			}
			_, err = c.Rate(me, ids[rng.IntN(len(ids))].Card, r, now)
		case op < 16:
			_, err = c.VoteExclude(me, ids[rng.IntN(len(ids))].Card.ID(), now)
		case op < 17:
			if c.State().IsInvited(me.Card.ID()) {
				_, err = c.Join(me, now)
			} else {
				_, err = c.Leave(me, now)
			}
		case op < 18:
			_, err = c.SetPolicy(me, Policy{AdmitVouches: 1 + rng.IntN(2), ExcludeQuorum: rng.IntN(3)}, now)
		default:
			_, err = c.PublishCard(me, ids[rng.IntN(len(ids))].Card, now)
		}
		if err != nil && !errors.Is(err, ErrNotAllowed) {
			return stats, nil, err
		}
	}

	// Everyone receives everything, in random orders and by random means.
	for range 2 {
		for _, i := range rng.Perm(nReplicas) {
			for _, j := range rng.Perm(nReplicas) {
				if rng.IntN(2) == 0 {
					if err := reps[i].Merge(reps[j]); err != nil {
						return stats, nil, err
					}
				} else if err := reps[i].ApplyChanges(must(reps[j].ChangesSince(reps[i].Heads()))); err != nil {
					return stats, nil, err
				}
			}
		}
	}
	want := reps[0].State()
	for i, c := range reps[1:] {
		if got := c.State(); got.Digest() != want.Digest() {
			return stats, nil, fmt.Errorf("replica %d differs from replica 0:\n%s\n%s", i+1, describe(got), describe(want))
		}
	}
	// Concurrency can make honest statements lose their authority, but
	// never look forged or incomplete.
	for _, r := range want.Invalid {
		if r.Reason != ReasonExcluded && r.Reason != ReasonLeft && r.Reason != ReasonNoAuthority {
			return stats, nil, fmt.Errorf("honest statement refused: %+v", r)
		}
	}
	// The state is a function of the statement set: derive it again from
	// the entries in a random order, with a fresh signature cache.
	reps[0].mu.Lock()
	es := make([]*entry, 0, len(reps[0].entries))
	for _, e := range reps[0].entries {
		cp := *e
		cp.sig = 0
		es = append(es, &cp)
	}
	reps[0].mu.Unlock()
	rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	stats.statements = len(es)
	for _, m := range want.Members {
		switch m.Status {
		case StatusExcluded:
			stats.excluded++
		case StatusLeft:
			stats.left++
		case StatusPending:
			stats.pending++
		}
	}
	for _, r := range want.Invalid {
		if r.Reason == ReasonExcluded || r.Reason == ReasonLeft {
			stats.cut++
		}
	}
	fresh := derive(want.Cell, es, verifySignature)
	if fresh.Digest() != want.Digest() {
		return stats, nil, fmt.Errorf("state depends on entry order")
	}
	return stats, reps[0], nil
}

func describe(st *State) string {
	s := fmt.Sprintf("policy %+v counted %d\n", st.Policy, st.Counted)
	for _, m := range st.Members {
		s += fmt.Sprintf("  %s %s vouched %d end %x\n", m.ID.String()[:6], m.Status, len(m.VouchedBy), m.End[:3])
	}
	return s
}
