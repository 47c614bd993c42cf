package crdt

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"trustdesk/identity"
)

// Thief mode, in the style of the hostile histories (hostile_test.go):
// random histories of a cell of four (Ana, persons 1-3) over three
// devices, Ana's guardians named and built on; Ana's laptop is seized at
// a random point, she replaces her card on a new device, and the thief,
// holding a copy of her device, signs a random mix of statements with the
// old card (ratings, votes, policies, a leave, guardians of his own,
// replacements confirmed by fakes or by copied confirmations), backdated
// to random points of what his copy holds, some with ground ids, sent to
// one device. Checked on every device order: the devices agree; the old
// card is not a member and the new one is; nothing the thief signed
// counts; his new card and fakes are never members; and the other
// members' standing and the policy are what they are without the thief.
//
// TRUSTDESK_THIEF_CASES sets the number of histories (default 40).
func TestThiefHistories(t *testing.T) {
	n := 40
	if testing.Short() {
		n = 10
	}
	if v, err := strconv.Atoi(os.Getenv("TRUSTDESK_THIEF_CASES")); err == nil && v > 0 {
		n = v
	}
	for seed := range uint64(n) {
		if err := thiefCase(t, seed); err != nil {
			t.Fatalf("history %d: %v", seed, err)
		}
	}
}

func thiefCase(t *testing.T, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 17))
	g := guardiansOfAna(t)
	members := []*identity.Identity{person(t, 1), person(t, 2), person(t, 3)}
	base, _ := hostileCell(t, 4)
	anaDev := must(Load(base.Save()))
	must(anaDev.NameGuardians(ana(t), keysOf(g), 2, t0))
	devs := []*Cell{anaDev, must(Load(base.Save())), must(Load(base.Save()))}
	at := t0
	honest := func(d *Cell, by *identity.Identity) {
		at = at.Add(time.Minute)
		st := d.State()
		var others []*identity.Identity
		for _, p := range append([]*identity.Identity{ana(t)}, members...) {
			if p != by && st.IsMember(p.Card.ID()) {
				others = append(others, p)
			}
		}
		if !st.IsMember(by.Card.ID()) || len(others) == 0 {
			return
		}
		must(d.Rate(by, others[rng.IntN(len(others))].Card, rating(1+rng.IntN(5), 1+rng.IntN(5)), at))
	}
	sync := func(a, b *Cell) {
		if err := a.Merge(b); err != nil {
			t.Fatal(err)
		}
	}
	// Everyone gets Ana's guardians; two members build on them.
	sync(devs[1], anaDev)
	sync(devs[2], anaDev)
	honest(devs[1], members[0])
	honest(devs[2], members[1])
	for _, d := range devs {
		sync(d, devs[1])
		sync(d, devs[2])
	}
	steps := 4 + rng.IntN(10)
	for range steps {
		d := 1 + rng.IntN(2)
		if rng.IntN(3) == 0 {
			sync(devs[d], devs[rng.IntN(3)])
		}
		if rng.IntN(4) == 0 {
			honest(anaDev, ana(t))
		} else {
			honest(devs[d], members[rng.IntN(3)])
		}
	}
	sync(anaDev, devs[1])

	// The seizure, and Ana's new device, which gets the cell from a member.
	thief := must(Load(anaDev.Save()))
	owner := must(Load(devs[1+rng.IntN(2)].Save()))
	sync(owner, anaDev)
	pick := rng.Perm(3)[:2]
	r := must(owner.Replace(ana(t), anaNew(t), confirmations([]*identity.Identity{g[pick[0]], g[pick[1]]}, ana(t).Card.ID(), anaNew(t).Card), at.Add(time.Hour)))
	devs = append(devs[1:], owner)
	for range 1 + rng.IntN(4) {
		d := rng.IntN(3)
		if rng.IntN(2) == 0 {
			sync(devs[d], devs[rng.IntN(3)])
		}
		if devs[d].State().IsMember(anaNew(t).Card.ID()) && rng.IntN(2) == 0 {
			honest(devs[d], anaNew(t))
		} else {
			honest(devs[d], members[rng.IntN(3)])
		}
	}

	// The thief.
	known := thief.Statements()
	prevOf := func() []StatementID {
		var prev []StatementID
		for range 1 + rng.IntN(3) {
			id := known[rng.IntN(len(known))].ID()
			if !slices.Contains(prev, id) {
				prev = append(prev, id)
			}
		}
		return prev
	}
	var forged []*Statement
	for range 3 + rng.IntN(6) {
		grind := rng.IntN(2) == 0
		subject := members[rng.IntN(3)].Card.ID()
		var s *Statement
		switch rng.IntN(8) {
		case 0: // on top of everything the copy holds
			s = forge(t, thief, ana(t), &Statement{Kind: KindRate, Subject: subject, Rating: rating(2, 2)}, thief.State().Heads, false)
		case 1:
			s = forge(t, thief, ana(t), &Statement{Kind: KindRate, Subject: subject, Rating: rating(1, 1)}, prevOf(), grind)
		case 2:
			s = forge(t, thief, ana(t), &Statement{Kind: KindExclude, Subject: subject}, prevOf(), grind)
		case 3:
			s = forge(t, thief, ana(t), &Statement{Kind: KindPolicy, Policy: Policy{AdmitVouches: 1 + rng.IntN(3), ExcludeQuorum: rng.IntN(4)}}, prevOf(), grind)
		case 4:
			s = forge(t, thief, ana(t), &Statement{Kind: KindLeave}, prevOf(), grind)
		case 5:
			gs := &Statement{Kind: KindGuardians, Need: 1}
			for _, k := range keysOf(fakes(t)) {
				gs.Guardians = append(gs.Guardians, Commit(thief.ID(), ana(t).Card.ID(), k, GuardianSalt(ana(t), thief.ID(), k)))
			}
			slices.SortFunc(gs.Guardians, func(x, y Commitment) int { return slices.Compare(x[:], y[:]) })
			s = forge(t, thief, ana(t), gs, prevOf(), grind)
		case 6:
			s = forgeReplace(t, thief, ana(t), thiefNew(t), confirmations(fakes(t), ana(t).Card.ID(), thiefNew(t).Card), prevOf(), grind)
		case 7:
			s = forgeReplace(t, thief, ana(t), thiefNew(t), confirmations(g[:2], ana(t).Card.ID(), anaNew(t).Card), prevOf(), grind)
		}
		forged = append(forged, s)
		known = append(known, s)
	}
	target := rng.IntN(3)
	withThief := slices.Clone(devs)
	withThief[target] = merged(t, devs[target], thief)

	// Every device order: the same cell, and the checks.
	plain := merged(t, devs...).State()
	var digest [32]byte
	for k := range 3 {
		order := rng.Perm(3)
		c := merged(t, withThief[order[0]], withThief[order[1]], withThief[order[2]], thief)
		st := c.State()
		if k == 0 {
			digest = st.Digest()
		} else if st.Digest() != digest {
			return fmt.Errorf("devices differ by the order they merged in")
		}
		if st.IsMember(ana(t).Card.ID()) || !st.IsMember(anaNew(t).Card.ID()) {
			return fmt.Errorf("old card member %v, new card member %v", st.IsMember(ana(t).Card.ID()), st.IsMember(anaNew(t).Card.ID()))
		}
		if rp, ok := st.ReplacedBy(ana(t).Card.ID()); !ok || rp.Statement != r.ID() {
			return fmt.Errorf("the replacement that counts: %+v", rp)
		}
		for _, s := range forged {
			if reasonOf(st, s.ID()) == "" {
				return fmt.Errorf("the thief's %s counts", s.Kind)
			}
		}
		for _, p := range append([]*identity.Identity{thiefNew(t)}, fakes(t)...) {
			if _, ok := st.Member(p.Card.ID()); ok {
				return fmt.Errorf("%s got into the cell", p.Card.Pseudonym)
			}
		}
		for _, p := range members {
			if status(st, p) != status(plain, p) {
				return fmt.Errorf("%s is %s with the thief, %s without", p.Card.Pseudonym, status(st, p), status(plain, p))
			}
		}
		if st.Policy != plain.Policy || len(st.Votes) != len(plain.Votes) {
			return fmt.Errorf("the thief changed the policy or the votes: %+v %+v", st.Policy, st.Votes)
		}
	}
	return nil
}
