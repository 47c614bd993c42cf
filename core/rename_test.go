package core

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// renamedCard returns a newer card of id, with the same keys and the
// pseudonym name, as a modified client signs it (the stock client has no
// way to rename).
func renamedCard(t *testing.T, id *identity.Identity, name string, created time.Time) *identity.Card {
	t.Helper()
	c := *id.Card
	c.Pseudonym, c.Created = name, created.UTC().Truncate(time.Second)
	msg := append([]byte("trustdesk/card/v1\x00"), 1)
	msg = binary.AppendUvarint(msg, uint64(c.Created.Unix()))
	msg = append(msg, c.SigningKey...)
	msg = append(msg, c.AgeKey[:]...)
	msg = append(msg, byte(len(name)))
	msg = append(msg, name...)
	c.Signature = id.Sign(msg)
	card, err := identity.DecodeCard(c.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return card
}

// TestAttackVerifiedContactTakesAnotherName: Ana met Mal and Bo in person
// and named neither. Mal, in a cell they share, publishes a newer card of
// his own (same keys) named "Bo". Ana's device took it as Mal's card, and
// from then on showed him as "Bo", verified in person, beside the real
// Bo: a name Ana checked in person changed without a word. The name a
// person was verified under stays theirs on Ana's device, and the import
// says what they now call themselves.
func TestAttackVerifiedContactTakesAnotherName(t *testing.T) {
	ana, mal, bo := newService(t, "Ana"), newService(t, "Mal"), newService(t, "Bo")
	meet(t, ana, mal)
	meet(t, ana, bo)
	night := ok[*CellView](t)(ana.NewCell("Night")).ID
	invite(t, ana, mal, night)
	renamed := renamedCard(t, mal.me(), "Bo", time.Now().Add(time.Hour))
	ok[*CellView](t)(mal.changeCell(night, func(c *crdt.Cell) error {
		_, err := c.PublishCard(mal.me(), renamed, time.Now())
		return err
	}))
	sum := sendTo(t, mal, ana)
	t.Logf("Ana is told: %s", sum)
	if !strings.Contains(sum.String(), `Mal now calls themselves "Bo"`) {
		t.Errorf("Ana is told %q", sum)
	}
	c, err := ana.Contact(mal.Card().ID())
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "Mal" {
		t.Errorf("Mal is shown as %q on Ana's device", c.Name())
	}
	if c.Card.Pseudonym != "Bo" {
		t.Errorf("Mal's newer card was not taken: %q", c.Card.Pseudonym)
	}
}
