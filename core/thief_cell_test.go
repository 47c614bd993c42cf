package core

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
)

func ok[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestAttackThiefCellReplacement: the thief holds Ana's card and her
// passphrase. With a modified client he founds a cell of his own as Ana,
// with two fakes who name no one, names the fakes as her guardians there,
// replaces her card by one of his own confirmed by them, and invites Bo,
// who met Ana in person. Bo's device takes the invitation in: it must not
// make the thief's new card "Ana, verified in person", nor call Ana's
// real card her old one, since nobody Bo knows confirmed anything; and
// its summary calls the replacement a claim that changes nothing.
func TestAttackThiefCellReplacement(t *testing.T) {
	ana, bo := newService(t, "Ana"), newService(t, "Bo")
	meet(t, ana, bo)
	clock := time.Now()
	thief := seize(t, ana, &clock)
	a := thief.me()
	id, st := ok[*identity.Identity](t), ok[*crdt.Statement](t)
	fake := newService(t, "F1")
	f1, f2, tNew := fake.me(), id(identity.New("F2", clock)), id(identity.New("Ana", clock))
	c := ok[*crdt.Cell](t)(crdt.Found(a, "Night market", clock))
	for _, f := range []*identity.Identity{f1, f2} {
		st(c.Admit(a, f.Card, clock))
		st(c.Join(f, clock))
	}
	st(c.NameGuardians(a, []ed25519.PublicKey{f1.Card.SigningKey, f2.Card.SigningKey}, 2, clock))
	st(c.Rate(f1, f2.Card, crdt.Rating{Safety: 5, Reliability: 5, Day: clock.UTC().Format(time.DateOnly)}, clock))
	st(c.Rate(f2, f1.Card, crdt.Rating{Safety: 5, Reliability: 5, Day: clock.UTC().Format(time.DateOnly)}, clock))
	st(c.Admit(a, bo.Card(), clock))
	if _, err := thief.addCell(c); err != nil {
		t.Fatal(err)
	}
	sendTo(t, thief, bo) // the invitation, from "Ana"
	st(c.Replace(a, tNew, []crdt.Confirmation{crdt.Confirm(f1, a.Card.ID(), tNew.Card), crdt.Confirm(f2, a.Card.ID(), tNew.Card)}, clock))
	if _, ok := c.State().ReplacedBy(a.Card.ID()); !ok {
		t.Fatal("the thief's replacement does not count in his own cell")
	}
	if _, err := fake.addCell(c); err != nil {
		t.Fatal(err)
	}
	sum := sendTo(t, fake, bo) // the replacement, from a fake Bo learned in the cell
	t.Logf("Bo is told: %s", sum)
	// Nor is Bo told, as if it mattered to him, that Ana's card was
	// replaced: the cell only invited him, and nothing about Ana changes
	// on his device.
	if s := sum.String(); !strings.Contains(s, "a claim that Ana") ||
		!strings.Contains(s, "(nothing changes on this computer: you have not joined)") {
		t.Errorf("Bo is told %q", s)
	}
	if got, err := bo.Contact(tNew.Card.ID()); err == nil && got.Verified == InPerson {
		t.Errorf("the thief's new card is %q, verified in person, on Bo's device", got.Name())
	}
	if got, _ := bo.Contact(a.Card.ID()); got == nil || got.Name() != "Ana" || got.Verified != InPerson {
		t.Errorf("Ana's real card on Bo's device: %+v", got)
	}
	if res, err := bo.Reputation(); err != nil || res.Person(a.Card.ID().String()) == nil || res.Person(a.Card.ID().String()).Trust == 0 {
		t.Errorf("Ana's real card lost its trust on Bo's device: %v", err)
	}
}
