package identity_test

import (
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"trustdesk/identity"
)

func ExampleNew() {
	me, err := identity.New("  Mirelda   Oakthorn ", time.Date(2026, 11, 21, 19, 30, 15, 500, time.UTC))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Card.Pseudonym)
	fmt.Println(me.Card.Created)
	fmt.Println(strings.HasPrefix(me.Card.String(), "TD1"))
	// Output:
	// Mirelda Oakthorn
	// 2026-11-21 19:30:15 +0000 UTC
	// true
}

func ExampleParseCard() {
	// This card was made by this package and is kept in testdata.
	const text = `td1ag4ofb6ya37s6rhvqmlbstzozstpg674ew4sdk3l7smv5rwecjzicfjetgk25h6dgs26hvd7hqlwdz
		s2ketedudia4fyprryjk4upfjkys2zh2zvcbgws4tfnrsgcicpmfvxi2dpojxln4h7e2kcfeia3ea2hqxg65byyz4c
		3hymx7n4t4sujcdpsbhtrnbe7g2j5lk6jto6ugxj3g5ntk5lwxarsxeeftabrzk4ii6dvbkuai`
	card, err := identity.ParseCard(text)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(card.Pseudonym)
	fmt.Println(card.Created.Format(time.DateOnly))
	fmt.Println(card.ID())
	fmt.Println(card.String()[:3], len(card.String()))

	// A changed character is caught by the self-signature or the key checks.
	_, err = identity.ParseCard(strings.Replace(text, "rsxee", "rsxef", 1))
	fmt.Println(errors.Is(err, identity.ErrSignature))
	// Output:
	// Mirelda Oakthorn
	// 2026-11-21
	// 36e4b961695b7f06680a1d445bc4c695
	// TD1 245
	// true
}

func ExampleSafetyCode() {
	now := time.Now()
	alice, err := identity.New("Alice", now)
	if err != nil {
		log.Fatal(err)
	}
	bob, err := identity.New("Bob", now)
	if err != nil {
		log.Fatal(err)
	}
	// Each side computes the code from its own copy of the two cards.
	onAlicesDevice := identity.SafetyCode(alice.Card, bob.Card)
	onBobsDevice := identity.SafetyCode(bob.Card, alice.Card)
	fmt.Println(onAlicesDevice == onBobsDevice)
	fmt.Println(len(strings.Fields(onAlicesDevice)), "groups of", len(strings.Fields(onAlicesDevice)[0]), "digits")
	// Output:
	// true
	// 12 groups of 5 digits
}

func ExampleNormalizePseudonym() {
	name, err := identity.NormalizePseudonym("  Rene\u0301   Dupont ")
	fmt.Printf("%q %v\n", name, err)
	_, err = identity.NormalizePseudonym("two\nlines")
	fmt.Println(errors.Is(err, identity.ErrPseudonym))
	// Output:
	// "René Dupont" <nil>
	// true
}

func ExampleUnmarshalIdentity() {
	me, err := identity.New("Mirelda", time.Now())
	if err != nil {
		log.Fatal(err)
	}
	// Only ever store these bytes encrypted.
	secret, err := me.MarshalBinary()
	if err != nil {
		log.Fatal(err)
	}
	again, err := identity.UnmarshalIdentity(secret)
	if err != nil {
		log.Fatal(err)
	}
	msg := []byte("example/v1\x00hello")
	fmt.Println(again.Card.ID() == me.Card.ID())
	fmt.Println(me.Card.VerifySignature(msg, again.Sign(msg)))
	// Output:
	// true
	// true
}

func ExampleParseID() {
	id, err := identity.ParseID("36E4B961695B7F06680A1D445BC4C695")
	fmt.Println(id, err)
	// Output: 36e4b961695b7f06680a1d445bc4c695 <nil>
}

func ExampleCheckSigningKey() {
	// The all-zero encoding is a point of order 4: it must never be a key.
	err := identity.CheckSigningKey(make([]byte, 32))
	fmt.Println(errors.Is(err, identity.ErrWeakKey))
	// Output: true
}
