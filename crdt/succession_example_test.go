package crdt_test

import (
	"crypto/ed25519"
	"fmt"

	"trustdesk/crdt"
	"trustdesk/identity"
)

func ExampleCell_Replace() {
	ana, ben, cem := newPerson("Ana"), newPerson("Ben"), newPerson("Cem")
	gus, gia := newPerson("Gus"), newPerson("Gia")
	cell := check(crdt.Found(ana, "Night shift", now))
	for _, p := range []*identity.Identity{ben, cem} {
		check(cell.Admit(ana, p.Card, now))
		check(cell.Join(p, now))
	}
	// Ana names two guardians, both needed; Ben and Cem go on using the
	// cell, so her guardians are in force there.
	check(cell.NameGuardians(ana, []ed25519.PublicKey{gus.Card.SigningKey, gia.Card.SigningKey}, 2, now))
	check(cell.Rate(ben, ana.Card, crdt.Rating{Safety: 5, Reliability: 4, Day: "2026-11-20"}, now))
	check(cell.Rate(cem, ben.Card, crdt.Rating{Safety: 4, Reliability: 4, Day: "2026-11-20"}, now))

	// Her laptop is taken. With her card back and a new one, she meets
	// Gus and Gia, who confirm the replacement.
	next := newPerson("Ana")
	confirm := []crdt.Confirmation{crdt.Confirm(gus, ana.Card.ID(), next.Card), crdt.Confirm(gia, ana.Card.ID(), next.Card)}
	check(cell.Replace(ana, next, confirm, now))

	st := cell.State()
	r, _ := st.ReplacedBy(ana.Card.ID())
	fmt.Println(r.New == next.Card.ID(), r.Confirmed)
	fmt.Println(st.IsMember(ana.Card.ID()), st.IsMember(next.Card.ID()))
	fmt.Println(len(st.RatingsAbout(next.Card.ID())))
	// Output:
	// true 2
	// false true
	// 1
}
