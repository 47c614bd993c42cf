package crdt

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"trustdesk/identity"
	"trustdesk/internal/testenv"
)

// These tests play the attacks of SCHEMA.md §4.7 with a modified client:
// the attacker signs statements with their own key, with any prev, any
// created time, and grinds ids small so they come first in the order.

// forge signs s as by and stores it in c with the given prev, grinding
// the created time until the id starts with a zero byte when grind is set.
// s.Seq, when not set, is one more than by's largest in c.
func forge(t testing.TB, c *Cell, by *identity.Identity, s *Statement, prev []StatementID, grind bool) *Statement {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.derive()
	s.Cell = c.id
	if s.Seq == 0 {
		s.Seq = st.seq[by.Card.ID()] + 1
	}
	s.Prev = slices.Clone(prev)
	slices.SortFunc(s.Prev, compareIDs)
	for k := 0; ; k++ {
		s.Created = t0.Add(-time.Duration(k) * time.Second) // backdated
		if err := s.Sign(by); err != nil {
			t.Fatal(err)
		}
		if !grind || s.id[0] == 0 {
			break
		}
	}
	if err := c.ensureDoc(); err != nil {
		t.Fatal(err)
	}
	if err := c.put(s); err != nil {
		t.Fatal(err)
	}
	return s
}

// hostileCell founds a cell of the first n people of the test set, all
// members who accepted, with the test's fixed cell id (testCell), and
// returns it with its heads.
func hostileCell(t testing.TB, n int) (*Cell, []StatementID) {
	t.Helper()
	c := testCell(t, person(t, 0), "Cell", t0)
	for i := 1; i < n; i++ {
		admitJoin(c, person(t, 0), person(t, i), t0)
	}
	return c, c.State().Heads
}

// votedOut plays the common start of the attacks: in a cell of persons
// 0-3, persons 0 and 1 vote person 3 (Mal) out on the honest replica,
// while Mal's stale replica never sees the votes. heads are the cell's
// heads before the votes.
func votedOut(t testing.TB) (honest, stale *Cell, heads []StatementID) {
	t.Helper()
	base, heads := hostileCell(t, 4)
	honest = must(Load(base.Save()))
	must(honest.VoteExclude(person(t, 0), person(t, 3).Card.ID(), t0))
	must(honest.VoteExclude(person(t, 1), person(t, 3).Card.ID(), t0))
	return honest, must(Load(base.Save())), heads
}

// merged returns a cell holding everything of the replicas given.
func merged(t testing.TB, cs ...*Cell) *Cell {
	t.Helper()
	out := must(Load(cs[0].Save()))
	for _, c := range cs[1:] {
		if err := out.Merge(c); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func status(st *State, p *identity.Identity) Status {
	m, _ := st.Member(p.Card.ID())
	if m == nil {
		return ""
	}
	return m.Status
}

// Revenge on a bystander: in a cell where three votes exclude, the cell
// votes Mal out; Di, whom two members voted against, did not vote against
// Mal. From his stale device Mal adds, backdated and ground small, the
// vote that would complete Di's exclusion. Mal's statements made without
// having seen the votes against him count for nothing once he is found
// excluded, so Di stays a member.
func TestAttackRevengeOnBystander(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		a, b, c, mal, di := person(t, 0), person(t, 1), person(t, 2), person(t, 3), person(t, 4)
		base, _ := hostileCell(t, 5)
		for _, x := range []*identity.Identity{a, b, c} {
			must(base.SetPolicy(x, Policy{AdmitVouches: 1, ExcludeQuorum: 3}, t0))
		}
		heads := base.State().Heads
		honest := must(Load(base.Save()))
		must(honest.VoteExclude(a, di.Card.ID(), t0))
		must(honest.VoteExclude(b, di.Card.ID(), t0))
		for _, x := range []*identity.Identity{a, b, c} {
			must(honest.VoteExclude(x, mal.Card.ID(), t0))
		}
		stale := must(Load(base.Save()))
		forge(t, stale, mal, &Statement{Kind: KindExclude, Subject: di.Card.ID()}, heads, true)
		for _, cs := range [][]*Cell{{honest, stale}, {stale, honest}} {
			st := merged(t, cs...).State()
			if status(st, mal) != StatusExcluded {
				t.Fatalf("Mal %s", status(st, mal))
			}
			if !st.IsMember(di.Card.ID()) {
				t.Fatalf("Di %s: Mal's backdated vote completed her exclusion", status(st, di))
			}
		}
	})
}

// A quorum lowered after the votes against someone, or concurrently with
// them, completes nothing on its own (rules revision 7): Bo votes Di out
// on a device that has not heard that the cell is lowering the quorum to
// one, which Di's own vote completes. Before, Bo's single vote excluded
// her there, and then her vote was set aside with her exclusion, which
// stood on a policy no counted votes supported. Now she stays a member
// until a vote made knowing the new quorum, and that one excludes her.
func TestLoweredQuorumNeedsAVoteThatKnewIt(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		a, bo, cy, di := person(t, 0), person(t, 1), person(t, 2), person(t, 4)
		base, _ := hostileCell(t, 5)
		offline := must(Load(base.Save()))
		one := Policy{AdmitVouches: 1, ExcludeQuorum: 1}
		for _, x := range []*identity.Identity{a, cy, di} {
			must(base.SetPolicy(x, one, t0))
		}
		must(offline.VoteExclude(bo, di.Card.ID(), t0))
		for _, cs := range [][]*Cell{{base, offline}, {offline, base}} {
			st := merged(t, cs...).State()
			if st.Policy != one || !st.IsMember(di.Card.ID()) {
				t.Fatalf("policy %+v, Di %s: a vote cast before the quorum was lowered excluded her", st.Policy, status(st, di))
			}
			if n := st.VotesToExclude(di.Card.ID()); n != 2 {
				t.Fatalf("%d votes to exclude Di, want 2: one more than the vote in", n)
			}
		}
		if err := base.Merge(offline); err != nil {
			t.Fatal(err)
		}
		must(base.VoteExclude(cy, di.Card.ID(), t0))
		for _, cs := range [][]*Cell{{base, offline}, {offline, base}} {
			st := merged(t, cs...).State()
			if status(st, di) != StatusExcluded || st.Policy != one {
				t.Fatalf("Di %s, policy %+v after a vote that knew the quorum", status(st, di), st.Policy)
			}
		}
	})
}

// An exclusion that happened is not undone when one of its voters is
// excluded later: Zed helped vote Bo out; Cy, on a device that had not
// yet received Zed's vote, votes against Zed; later the cell excludes
// Zed. Zed's vote against Bo was seen by the statement that excluded Zed,
// so it stands and Bo stays excluded, whoever else had not seen it.
func TestExclusionStandsWhenAVoterIsExcludedLater(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		a, bo, cy, zed := person(t, 0), person(t, 1), person(t, 2), person(t, 3)
		base, _ := hostileCell(t, 5)
		for _, x := range []*identity.Identity{a, bo, cy} {
			must(base.SetPolicy(x, Policy{AdmitVouches: 1, ExcludeQuorum: 2}, t0))
		}
		offline := must(Load(base.Save()))
		must(base.VoteExclude(zed, bo.Card.ID(), t0))
		must(base.VoteExclude(a, bo.Card.ID(), t0))
		if st := base.State(); status(st, bo) != StatusExcluded {
			t.Fatalf("Bo %s", status(st, bo))
		}
		must(offline.VoteExclude(cy, zed.Card.ID(), t0))
		if err := base.Merge(offline); err != nil {
			t.Fatal(err)
		}
		must(base.VoteExclude(a, zed.Card.ID(), t0))
		st := base.State()
		if status(st, zed) != StatusExcluded || status(st, bo) != StatusExcluded {
			t.Fatalf("Zed %s, Bo %s: an exclusion that happened was undone", status(st, zed), status(st, bo))
		}
	})
}

// Attack 1: Mal's stale device never saw the votes against him; he sends
// one member a policy with a huge quorum, with a ground-small id.
func TestAttackStalePolicyDoesNotRescue(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		mal := person(t, 3)
		honest, stale, heads := votedOut(t)
		forge(t, stale, mal, &Statement{Kind: KindPolicy, Policy: Policy{AdmitVouches: 1, ExcludeQuorum: 1000}}, heads, true)
		for _, order := range [][]*Cell{{honest, stale}, {stale, honest}} {
			st := merged(t, order...).State()
			if status(st, mal) != StatusExcluded || st.Policy.ExcludeQuorum != 0 {
				t.Fatalf("Mal %s, policy %+v", status(st, mal), st.Policy)
			}
		}
	})
}

// Attack 1b: the stale device admits fakes who accept at once, raising
// the number of votes a majority needs.
func TestAttackConcurrentFakesDoNotRescue(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		mal := person(t, 3)
		honest, stale, heads := votedOut(t)
		prev := heads
		for i := 4; i < 8; i++ {
			adm := forge(t, stale, mal, &Statement{Kind: KindAdmit, Card: person(t, i).Card}, prev, true)
			j := forge(t, stale, person(t, i), &Statement{Kind: KindJoin}, []StatementID{adm.id}, true)
			prev = []StatementID{j.id}
		}
		if st := stale.State(); len(st.CurrentMembers()) != 8 {
			t.Fatalf("the stale device shows %d members", len(st.CurrentMembers()))
		}
		st := merged(t, honest, stale).State()
		if status(st, mal) != StatusExcluded {
			t.Fatalf("Mal: %s", status(st, mal))
		}
		for i := 4; i < 8; i++ {
			if st.IsMember(person(t, i).Card.ID()) {
				t.Fatalf("a fake Mal admitted concurrently with the votes is a member")
			}
		}
	})
}

// Attack 1c: Mal's device received the votes that excluded him and he
// signs a revenge vote on top of them, against a voter whom an honest
// member voted against at the same time. Setting the voter's vote aside
// in the voter's own trial must not bring Mal back so his vote counts.
func TestAttackSignedAfterOwnExclusion(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		founder, other := person(t, 0), person(t, 2)
		// Mal senior to the voter, then junior: precedence must not decide.
		for _, pair := range [][2]*identity.Identity{{person(t, 1), person(t, 3)}, {person(t, 3), person(t, 1)}} {
			mal, voter := pair[0], pair[1]
			for _, grind := range []bool{false, true} {
				base, _ := hostileCell(t, 4)
				byVoter := must(Load(base.Save()))
				must(byVoter.VoteExclude(voter, mal.Card.ID(), t0))
				byFounder := must(Load(base.Save()))
				must(byFounder.VoteExclude(founder, mal.Card.ID(), t0))
				byOther := must(Load(base.Save()))
				must(byOther.VoteExclude(other, voter.Card.ID(), t0))
				mals := merged(t, byVoter, byFounder)
				if status(mals.State(), mal) != StatusExcluded {
					t.Fatal("the two votes do not exclude Mal")
				}
				forge(t, mals, mal, &Statement{Kind: KindExclude, Subject: voter.Card.ID()}, mals.State().Heads, grind)
				st := merged(t, byVoter, byFounder, byOther, mals).State()
				if status(st, mal) != StatusExcluded || !st.IsMember(voter.Card.ID()) {
					t.Fatalf("grind %v: Mal %s, the voter %s:\n%s", grind, status(st, mal), status(st, voter), describe(st))
				}
			}
		}
	})
}

// Attack 2: a backdated leave turns nothing into "left"; an accomplice
// cannot admit him again.
func TestAttackBackdatedLeave(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		acc, mal := person(t, 2), person(t, 3)
		honest, stale, heads := votedOut(t)
		leave := forge(t, stale, mal, &Statement{Kind: KindLeave}, heads, true)
		again := forge(t, stale, acc, &Statement{Kind: KindAdmit, Card: mal.Card}, []StatementID{leave.id}, true)
		forge(t, stale, mal, &Statement{Kind: KindJoin}, []StatementID{again.id}, true)
		st := merged(t, stale, honest).State()
		if status(st, mal) != StatusExcluded {
			t.Fatalf("Mal after a backdated leave and re-admission: %s", status(st, mal))
		}
	})
}

// Attack 3: revenge. The excluded member backdates a policy of quorum 1
// and votes against the people who voted him out.
func TestAttackRevenge(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		a, b, c, mal := person(t, 0), person(t, 1), person(t, 2), person(t, 3)
		honest, stale, heads := votedOut(t)
		p := forge(t, stale, mal, &Statement{Kind: KindPolicy, Policy: Policy{AdmitVouches: 1, ExcludeQuorum: 1}}, heads, true)
		prev := []StatementID{p.id}
		for _, x := range []*identity.Identity{a, b, c} {
			v := forge(t, stale, mal, &Statement{Kind: KindExclude, Subject: x.Card.ID()}, prev, true)
			prev = []StatementID{v.id}
		}
		st := merged(t, honest, stale).State()
		if status(st, mal) != StatusExcluded || st.Policy.ExcludeQuorum != 0 {
			t.Fatalf("Mal %s, policy %+v", status(st, mal), st.Policy)
		}
		for _, x := range []*identity.Identity{a, b, c} {
			if !st.IsMember(x.Card.ID()) {
				t.Fatalf("%s lost membership to revenge", x.Card.Pseudonym)
			}
		}
	})
}

// Attack 3b: revenge with an accomplice, concurrent and balanced: two
// honest votes against Mal, Mal and an accomplice vote out one honest
// voter. Neither side saw the other; the side with more votes against
// it, then the junior member, loses: Mal (admitted after the founder).
func TestAttackRevengeWithAccomplice(t *testing.T) {
	eachCellID(t, func(t *testing.T) {
		a, acc, mal := person(t, 0), person(t, 2), person(t, 3)
		honest, stale, heads := votedOut(t)
		forge(t, stale, mal, &Statement{Kind: KindExclude, Subject: a.Card.ID()}, heads, true)
		forge(t, stale, acc, &Statement{Kind: KindExclude, Subject: a.Card.ID()}, heads, true)
		st := merged(t, stale, honest).State()
		if status(st, mal) != StatusExcluded || !st.IsMember(a.Card.ID()) {
			t.Fatalf("Mal %s, Ana %s", status(st, mal), status(st, a))
		}
	})
}

// Attack 4: one member cannot take the cell over: a lower quorum or a
// lower bar to join takes a majority.
func TestAttackTakeover(t *testing.T) {
	a, b, c, mal := person(t, 0), person(t, 1), person(t, 2), person(t, 3)
	cell, _ := hostileCell(t, 4)
	for _, p := range []*identity.Identity{a, b, c} {
		must(cell.SetPolicy(p, Policy{AdmitVouches: 2}, t0))
	}
	if cell.State().Policy.AdmitVouches != 2 {
		t.Fatal("three of four did not change the rules")
	}
	must(cell.SetPolicy(mal, Policy{AdmitVouches: 1, ExcludeQuorum: 1}, t0))
	for _, p := range []*identity.Identity{a, b, c} {
		must(cell.VoteExclude(mal, p.Card.ID(), t0))
	}
	fake := person(t, 4)
	must(cell.Admit(mal, fake.Card, t0))
	must(cell.Join(fake, t0))
	st := cell.State()
	if st.Policy != (Policy{AdmitVouches: 2}) {
		t.Fatalf("one member changed the rules: %+v", st.Policy)
	}
	for _, p := range []*identity.Identity{a, b, c} {
		if !st.IsMember(p.Card.ID()) {
			t.Fatal("one member excluded another alone")
		}
	}
	if st.IsMember(fake.Card.ID()) {
		t.Fatal("one vouch admitted a fake under a rule of two")
	}
}

// Attack 6: nobody becomes a member without accepting.
func TestAttackNoMembershipWithoutConsent(t *testing.T) {
	mal, you := person(t, 0), person(t, 1)
	c := must(Found(mal, "Night market", t0))
	must(c.Admit(mal, you.Card, t0))
	st := c.State()
	if st.IsMember(you.Card.ID()) || status(st, you) != StatusInvited || !st.Receives(you.Card.ID()) {
		t.Fatalf("you, without accepting: %s", status(st, you))
	}
	if _, err := c.Rate(you, mal.Card, rating(5, 5), t0); err == nil {
		t.Fatal("a statement of yours went into a cell you did not accept")
	}
	must(c.Join(you, t0))
	if !c.State().IsMember(you.Card.ID()) {
		t.Fatal("not a member after accepting")
	}
}

// freezeEntries builds the freeze attack of issue 12 without a document:
// a member admits m fakes; each accepts and votes against the next, so
// m votes stay open. Every signature is marked checked, as a stored cell
// has them.
func freezeEntries(tb testing.TB, m int) (CellID, []*entry) {
	f, mal := person(tb, 0), person(tb, 1)
	nonce := [16]byte{1}
	cell := deriveCellID(f.Card.ID(), nonce)
	var es []*entry
	var seq = map[identity.ID]uint64{}
	add := func(by *identity.Identity, s *Statement, prev ...StatementID) *Statement {
		s.Cell, s.Created = cell, t0
		seq[by.Card.ID()]++
		s.Seq = seq[by.Card.ID()]
		s.Prev = prev
		slices.SortFunc(s.Prev, compareIDs)
		if err := s.Sign(by); err != nil {
			tb.Fatal(err)
		}
		es = append(es, &entry{key: s.id.String(), raw: s.raw, sig: 1})
		return s
	}
	found := add(f, &Statement{Kind: KindFound, Name: "Freeze", Nonce: nonce, Card: f.Card, Policy: DefaultPolicy})
	adm := add(f, &Statement{Kind: KindAdmit, Card: mal.Card}, found.id)
	head := add(mal, &Statement{Kind: KindJoin}, adm.id).id
	fakes := make([]*identity.Identity, m)
	for i := range fakes {
		id, err := identity.New(fmt.Sprintf("Fake %d", i), t0)
		if err != nil {
			tb.Fatal(err)
		}
		fakes[i] = id
		a := add(mal, &Statement{Kind: KindAdmit, Card: id.Card}, head)
		head = add(id, &Statement{Kind: KindJoin}, a.id).id
	}
	for i, fk := range fakes {
		add(fk, &Statement{Kind: KindExclude, Subject: fakes[(i+1)%m].Card.ID()}, head)
	}
	for _, e := range es {
		e.decode()
	}
	return cell, es
}

// Attack 5: thousands of open votes cost a few passes, not a recount
// after every statement, and stay within the work limit.
func TestAttackFreezeIsLinear(t *testing.T) {
	cell, es := freezeEntries(t, 400)
	st, err := deriveWithin(cell, es, verifySignature, WorkLimit(len(es)))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Votes) != 400 || len(st.CurrentMembers()) != 402 {
		t.Fatalf("%d open votes, %d members", len(st.Votes), len(st.CurrentMembers()))
	}
}

// BenchmarkDeriveOpenVotes2500 derives a cell of 2,500 fakes with 2,500
// open votes (about 7,500 statements): SCHEMA §4.6 says at most 100 ms.
func BenchmarkDeriveOpenVotes2500(b *testing.B) {
	cell, es := freezeEntries(b, 2500)
	b.ResetTimer()
	start := cpuTime()
	for b.Loop() {
		if _, err := deriveWithin(cell, es, verifySignature, WorkLimit(len(es))); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// The histories TestHostileHistories plays. In the default, "quiet", the
// members vote only against two accused people, who do not answer; one
// of the accused, once excluded, attacks. "fakes" is quiet with an attacker
// who also admits two fake accounts that accept at once and vote for the
// attacker's policy. In "answer" the accused also vote against anyone; in
// "open" everyone votes against anyone. In half the histories the attack
// is relayed: an honest device receives it and signs a statement built on
// it. "open" still breaks the rules in about 1 history in 100 (SCHEMA
// §4.7, "Known gap"; 19 of 2,000 with revision 19, 21 with -crdt.people 7,
// of which 5 and 7 break issue 12's invariants as written; "answer" in none of
// 2,000 since revision 7): run them with -crdt.mode answer|open -crdt.hostile 2000. The people's keys
// and each cell's id come from -crdt.people (default 1), so a plain run
// plays the same histories every time; -crdt.people 0 draws fresh ones, as
// long runs should. -crdt.list lists every broken history in one line,
// naming whose standing moved by their part (the attacker, a voter
// against the attacker, another person); -crdt.case N plays history N alone and prints it in full, with the
// trials and the rounds in the order they ran (-crdt.trace prints it even
// when it holds). Each broken history says how many
// exclusions no counted votes support before and after the attack, and
// each breach of issue 12 as written what its twin asks the opposite
// of, when it has one (twins_test.go).
var (
	hostileCases    = flag.Int("crdt.hostile", 100, "number of random histories in TestHostileHistories")
	hostileMode     = flag.String("crdt.mode", "quiet", "who votes in TestHostileHistories: quiet, fakes, answer or open")
	hostileCase1    = flag.Int("crdt.case", -1, "play only this history of TestHostileHistories, with both histories in full")
	hostileList     = flag.Bool("crdt.list", false, "list every broken history of TestHostileHistories in one line each")
	hostileTraceAll = flag.Bool("crdt.trace", false, "with -crdt.case, print the history in full even when it holds")
)

// TestHostileHistories is the adversarial model-based test: random
// concurrent histories of honest members over several replicas, merged in
// random orders; then an excluded person, with a modified client,
// signs whatever could help them (a policy with a huge quorum, a leave,
// votes against everyone who voted them out) and, half the time, votes
// against everyone else (revenge on bystanders), backdated to a random
// earlier point, ids ground small, and sends it to one replica (which,
// half the time, passes it to an honest one that builds on it). Checked:
// all replicas agree with each other and with a derivation from the
// statements alone; everyone who is a member accepted; the excluded stay
// excluded, the members stay members and the policy stays. Beside that
// strict count it keeps a second one, printed next to it: the histories
// that break issue 12's invariants as written (literal_test.go; SCHEMA
// §4.7, "Known gap"; ROUNDS.md, twelfth round): the attacker's status moved, someone whose vote
// against the attacker counted lost their membership, a policy changed
// without the quorum in force, an outcome that the statements before the
// attack give without the attacker's votes moved, a member never
// accepted, or the replicas differ.
func TestHostileHistories(t *testing.T) {
	cases := *hostileCases
	if testenv.Race {
		cases = min(cases, 30) // make unit runs 600 without -race
	}
	if *hostileCase1 >= 0 {
		// -crdt.case N plays history N whatever -crdt.hostile says (it
		// used to pass silently when N was beyond it).
		cases = max(cases, *hostileCase1+1)
	}
	person(t, 0)
	attacked := 0
	failed, literal, twins := 0, 0, 0
	for i := range cases {
		if *hostileCase1 >= 0 && i != *hostileCase1 {
			continue
		}
		n, lit, twin, err := hostileCaseBoth(t, uint64(i), *hostileMode)
		if len(lit) > 0 {
			literal++
			also := ""
			if twin != "" {
				twins++
				also = "; its twin asks the opposite: " + twin
			}
			if *hostileList || literal <= 3 {
				t.Errorf("case %d breaks issue 12 as written: %s%s", i, strings.Join(lit, "; "), also)
			}
		}
		if err != nil {
			failed++
			switch msg := err.Error(); {
			case *hostileList:
				first, _, _ := strings.Cut(msg, "\n")
				t.Errorf("case %d: %s", i, first)
			case failed <= 3:
				t.Errorf("case %d: %v", i, msg)
			}
		}
		attacked += n
	}
	if failed > 0 || literal > 0 {
		t.Errorf("%d of %d histories broke a rule; %d broke issue 12's invariants as written, %d of them with a twin that asks the opposite", failed, cases, literal, twins)
	}
	t.Logf("%d histories, %d excluded people attacked the outcome", cases, attacked)
	if *hostileCase1 < 0 && cases >= 20 && attacked < cases/5 {
		t.Fatalf("only %d histories had an exclusion to attack", attacked)
	}
}

// attackPadding is how many ratings the attacker of a hostile history
// signs after their fork, before their leave: none in the random
// histories; TestWarAgainPaddedForker pads an attack with more
// statements than the rules once compared pair by pair.
var attackPadding int

// alwaysTwin makes hostileCaseBoth look for the twin of a history that
// holds, too (TestLiteralBreachesWithATwin).
var alwaysTwin bool

func hostileCase(t *testing.T, seed uint64, mode string) (int, error) {
	n, _, _, err := hostileCaseBoth(t, seed, mode)
	return n, err
}

// hostileCaseBoth plays one history of TestHostileHistories and returns
// how many excluded people attacked it, every breach of issue 12's
// invariants as written (SCHEMA §4.7, "Known gap"; ROUNDS.md, twelfth round; none if it holds)
// and the first rule of the strict check it broke.
func hostileCaseBoth(t *testing.T, seed uint64, mode string) (int, []string, string, error) {
	rng := rand.New(rand.NewPCG(seed, 0x686f7374))
	ids := people[:6]
	var nonce [16]byte
	if *peopleSeed != 0 {
		binary.LittleEndian.PutUint64(nonce[:], *peopleSeed)
		binary.LittleEndian.PutUint64(nonce[8:], seed)
	} else {
		crand.Read(nonce[:])
	}
	base := must(found(ids[0], "Cell", t0, nonce))
	for _, p := range ids[1:5] {
		admitJoin(base, ids[0], p, t0)
	}
	var history [][]StatementID
	history = append(history, base.State().Heads)
	// One device per person: honest people never fork their history.
	reps := make([]*Cell, 5)
	for i := range reps {
		reps[i] = must(Load(base.Save()))
	}
	now := t0
	for range 15 + rng.IntN(20) {
		now = now.Add(time.Minute)
		r := rng.IntN(len(reps))
		c, me := reps[r], ids[r]
		var err error
		switch op := rng.IntN(10); {
		case op < 3:
			err = c.Merge(reps[rng.IntN(len(reps))])
			if err != nil {
				return 0, nil, "", err
			}
			continue
		case op < 7:
			target := ids[rng.IntN(5)]
			switch {
			case mode == "open":
			case r < 3:
				target = ids[3+rng.IntN(2)] // one of the accused
			case mode == "quiet" || mode == "fakes":
				continue // the accused do not answer
			}
			_, err = c.VoteExclude(me, target.Card.ID(), now)
		case op < 8:
			_, err = c.SetPolicy(me, Policy{AdmitVouches: 1, ExcludeQuorum: rng.IntN(3)}, now)
		default:
			_, err = c.Rate(me, ids[rng.IntN(6)].Card, rating(1+rng.IntN(5), 3), now)
		}
		if err != nil && !errors.Is(err, ErrNotAllowed) {
			return 0, nil, "", err
		}
		if err := ownStateIsDerived(c); err != nil {
			return 0, nil, "", err
		}
		history = append(history, c.State().Heads)
	}
	all := merged(t, reps...)
	before := all.State()
	attacked := 0
	var attacker *Member
	for _, m := range before.Members {
		if m.Status != StatusExcluded {
			continue
		}
		attacker = &m
		x := ids[slices.IndexFunc(ids, func(p *identity.Identity) bool { return p.Card.ID() == m.ID })]
		target := reps[slices.IndexFunc(ids, func(p *identity.Identity) bool { return p.Card.ID() == m.ID })]
		prev := history[rng.IntN(len(history))]
		p := forge(t, target, x, &Statement{Kind: KindPolicy, Policy: Policy{AdmitVouches: 1, ExcludeQuorum: 1000}}, prev, true)
		last := p.id
		if mode == "fakes" {
			// Two fake accounts the attacker admits, who accept at once
			// and vote for the huge quorum: more members need more votes.
			for _, f := range people[6:8] {
				adm := forge(t, target, x, &Statement{Kind: KindAdmit, Card: f.Card}, []StatementID{last}, true)
				j := forge(t, target, f, &Statement{Kind: KindJoin}, []StatementID{adm.id}, true)
				last = forge(t, target, f, &Statement{Kind: KindPolicy, Policy: Policy{AdmitVouches: 1, ExcludeQuorum: 1000}}, []StatementID{j.id}, true).id
			}
		}
		for _, v := range m.ExcludedBy {
			last = forge(t, target, x, &Statement{Kind: KindExclude, Subject: v}, []StatementID{last}, rng.IntN(2) == 0).id
		}
		if rng.IntN(2) == 0 {
			// Revenge on bystanders: votes against everyone else too.
			for _, o := range before.Members {
				if o.Status == StatusMember && !slices.Contains(m.ExcludedBy, o.ID) {
					last = forge(t, target, x, &Statement{Kind: KindExclude, Subject: o.ID}, []StatementID{last}, true).id
				}
			}
		}
		for range attackPadding {
			other := ids[0]
			if other == x {
				other = ids[1]
			}
			last = forge(t, target, x, &Statement{Kind: KindRate, Subject: other.Card.ID(), Rating: rating(1, 1)}, []StatementID{last}, false).id
		}
		forge(t, target, x, &Statement{Kind: KindLeave}, []StatementID{last}, true)
		attacked++
		if rng.IntN(2) == 0 {
			// Relayed: an honest device receives the attack and signs a
			// statement of its own built on it.
			xi := slices.Index(reps, target)
			h := (xi + 1 + rng.IntN(len(reps)-1)) % len(reps)
			if err := reps[h].Merge(target); err != nil {
				return 0, nil, "", err
			}
			_, err := reps[h].Rate(ids[h], ids[rng.IntN(6)].Card, rating(3, 3), now.Add(time.Minute))
			if err != nil && !errors.Is(err, ErrNotAllowed) {
				return 0, nil, "", err
			}
			if err := ownStateIsDerived(reps[h]); err != nil {
				return 0, nil, "", err
			}
		}
		break // one attacker per history: SCHEMA §4.7 on colluding excluded members
	}
	var states []*State
	var first *Cell
	for range 3 {
		perm := rng.Perm(len(reps))
		cs := []*Cell{all}
		for _, i := range perm {
			cs = append(cs, reps[i])
		}
		mc := merged(t, cs...)
		states = append(states, mc.State())
		if first == nil {
			first = mc
		}
	}
	after := states[0]
	for _, st := range states[1:] {
		if st.Digest() != after.Digest() {
			return 0, []string{"replicas differ"}, "", fmt.Errorf("replicas differ:\n%s\n%s", describe(st), describe(after))
		}
	}
	var lit []string
	table, twin := "", ""
	if attacker != nil {
		v := newAttackView(all.id, ordered(all), first, before, after, attacker)
		lit, table = v.breaches(), v.summary()
		if v.demands().brokenBy(after) != statusBreach(lit) {
			return 0, lit, "", fmt.Errorf("the literal check %q and what it demands (%+v) disagree", lit, v.demands())
		}
		if statusBreach(lit) || alwaysTwin {
			twin = v.twinConflict(all, first)
		}
	}
	// broke describes a broken rule with both histories as the rules
	// saw them.
	broke := func(format string, args ...any) error {
		msg, more, _ := strings.Cut(fmt.Sprintf(format, args...), "\n")
		return fmt.Errorf("%s (exclusions no counted votes support: %d before, %d after) [%s] literal: %q\n%s\nbefore the attack:\n%s\nafter:\n%s", msg, unsupported(all), unsupported(first), table, lit, more, trace(all), trace(first))
	}
	if *hostileCase1 >= 0 && *hostileTraceAll {
		return 0, lit, twin, broke("trace")
	}
	for _, m := range after.Members {
		if m.Status == StatusMember && m.Joined == (StatementID{}) {
			return 0, lit, twin, broke("%s is a member without accepting", m.ID)
		}
	}
	for _, r := range after.Invalid {
		if r.Reason == ReasonExcluded && after.IsMember(r.Author) {
			return 0, lit, twin, broke("%s is a member while a statement of theirs is set aside as an excluded person's", r.Author)
		}
	}
	if after.Policy != before.Policy {
		return 0, lit, twin, broke("the excluded changed the policy: %+v -> %+v", before.Policy, after.Policy)
	}
	// who names a person by their part in the attack, so -crdt.list
	// can be counted by it.
	who := func(id identity.ID) string {
		switch {
		case attacker == nil:
			return id.String()
		case id == attacker.ID:
			return "the attacker " + id.String()
		case slices.Contains(attacker.ExcludedBy, id):
			return "a voter against the attacker, " + id.String() + ","
		}
		return "another person, " + id.String() + ","
	}
	for _, m := range after.Members {
		if m.Status == StatusMember && !before.IsMember(m.ID) {
			bm, _ := before.Member(m.ID)
			was := Status("never admitted")
			if bm != nil {
				was = bm.Status
			}
			return 0, lit, twin, broke("%s became a member through the attack (before: %s)", who(m.ID), was)
		}
	}
	for _, m := range before.Members {
		// Excluded stays excluded: "left" would let one member admit
		// them again.
		if am, _ := after.Member(m.ID); m.Status == StatusExcluded && (am == nil || am.Status != StatusExcluded) {
			return 0, lit, twin, broke("%s undid their exclusion\n%s\n%s", who(m.ID), describe(before), describe(after))
		}
		if m.Status == StatusMember && !after.IsMember(m.ID) {
			return 0, lit, twin, broke("%s lost their membership to an excluded person\n%s\n%s", who(m.ID), describe(before), describe(after))
		}
	}
	return attacked, lit, twin, nil
}

// TestWorkLimitOnEveryPathFromOutside: a cell from outside that would take
// more work than its limit is refused whether it arrives new, as changes
// to a cell held, or only to be looked at; nothing is kept.
func TestWorkLimitOnEveryPathFromOutside(t *testing.T) {
	a, b := person(t, 0), person(t, 1)
	held := must(Found(a, "Cell", t0))
	heads := held.Heads()
	other := must(Load(held.Save()))
	admitJoin(other, a, b, t0)
	chunk := must(other.ChangesSince(heads))
	ch, ctx := testChecker(t), context.Background()

	defer func(f func(int) int) { workLimit = f }(workLimit)
	workLimit = func(int) int { return 1 }
	if _, _, err := ch.LoadUntrusted(ctx, other.Save()); !errors.Is(err, ErrTooComplex) {
		t.Errorf("new cell: %v", err)
	}
	if _, err := ch.Extend(ctx, held, chunk); !errors.Is(err, ErrTooComplex) {
		t.Errorf("changes: %v", err)
	}
	if _, err := ch.CheckChanges(ctx, held.Save(), chunk); !errors.Is(err, ErrTooComplex) {
		t.Errorf("a look: %v", err)
	}
	if len(held.State().Members) != 1 {
		t.Error("a refused change was kept")
	}
	workLimit = WorkLimit
	if _, _, err := ch.LoadUntrusted(ctx, other.Save()); err != nil {
		t.Errorf("within the limit: %v", err)
	}
}

// ordered returns c's statements in the total order.
func ordered(c *Cell) []*node {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.decodeAll()
	var es []*entry
	for _, e := range c.entries {
		if e.stmt != nil {
			es = append(es, e)
		}
	}
	order, _, _ := totalOrder(es)
	return order
}

// unsupported counts the exclusions in c's final pass that stand only
// because an earlier pass or a trial found them ("removals win", SCHEMA
// §4.4): the votes that count in the end do not reach the need there.
func unsupported(c *Cell) int {
	return resolve(c.id, ordered(c), nil).forcedHits
}

// trace lists c's statements in the total order with what the rules made
// of them, for a failure message; with -crdt.case it first lists the
// trials (SCHEMA §4.4) in the order they ran and what each found.
func trace(c *Cell) string {
	order := ordered(c)
	var b strings.Builder
	if *hostileCase1 >= 0 {
		onTrial = func(o []*node, k candidate, t *applier) {
			if len(o) != len(order) {
				return // a derivation of some statement's past
			}
			at, ok := t.excludedAt[k.who]
			fmt.Fprintf(&b, "trial of %s (forked %v, %d independent voters, joined at %d): contested %v, unseen %v: ", k.who.String()[:6], k.forked, k.voters, k.joined, k.contested, k.unseen)
			if ok {
				fmt.Fprintf(&b, "excluded at %d\n", at)
			} else {
				fmt.Fprintf(&b, "not excluded\n")
			}
		}
		onRound = func(cands []candidate, found, fixed []verdict, race bool) {
			name := func(vs []verdict) string {
				var parts []string
				for _, v := range vs {
					parts = append(parts, fmt.Sprintf("%s at %d", cands[v.k].who.String()[:6], v.at))
				}
				return strings.Join(parts, ", ")
			}
			fmt.Fprintf(&b, "round found [%s], fixed [%s]", name(found), name(fixed))
			if race {
				fmt.Fprintf(&b, " (a true race: the first in precedence order)")
			}
			b.WriteByte('\n')
		}
		defer func() { onTrial, onRound = nil, nil }()
	}
	a := resolve(c.id, order, nil)
	for i, n := range order {
		s := n.e.stmt
		what := ""
		switch s.Kind {
		case KindExclude, KindRate:
			what = s.Subject.String()[:6]
		case KindAdmit:
			what = s.Card.ID().String()[:6]
		case KindPolicy:
			what = fmt.Sprintf("%+v", s.Policy)
		}
		fmt.Fprintf(&b, "%3d %s %-8v %-32s prev %v", i, s.Author.String()[:6], s.Kind, what, n.prev)
		if r, ok := a.cut[i]; ok {
			fmt.Fprintf(&b, " cut (%v)", r)
		}
		for _, e := range a.ends {
			if e.at == i {
				fmt.Fprintf(&b, " ends %s (%v)", e.who.String()[:6], e.reason)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
