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
	sc := newThiefCell(t, "Night market")
	bo, thief, fake, a, f1, f2, tNew, c, clock := sc.bo, sc.thief, sc.fake, sc.a, sc.f1, sc.f2, sc.tNew, sc.c, sc.clock
	st := ok[*crdt.Statement](t)
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

// thiefCell is a cell the thief holding Ana's card (Bo met Ana) founded
// as Ana with two fakes, F1 (a device of its own) and F2, members; and
// the card he means to replace hers with.
type thiefCell struct {
	ana, bo, thief, fake *Service
	a, f1, f2, tNew      *identity.Identity
	c                    *crdt.Cell
	clock                time.Time
}

func newThiefCell(t *testing.T, name string) *thiefCell {
	t.Helper()
	sc := &thiefCell{ana: newService(t, "Ana"), bo: newService(t, "Bo"), clock: time.Now()}
	meet(t, sc.ana, sc.bo)
	sc.thief = seize(t, sc.ana, &sc.clock)
	sc.a = sc.thief.me()
	id, st := ok[*identity.Identity](t), ok[*crdt.Statement](t)
	sc.fake = newService(t, "F1")
	sc.f1, sc.f2, sc.tNew = sc.fake.me(), id(identity.New("F2", sc.clock)), id(identity.New("Ana", sc.clock))
	sc.c = ok[*crdt.Cell](t)(crdt.Found(sc.a, name, sc.clock))
	for _, f := range []*identity.Identity{sc.f1, sc.f2} {
		st(sc.c.Admit(sc.a, f.Card, sc.clock))
		st(sc.c.Join(f, sc.clock))
	}
	return sc
}
