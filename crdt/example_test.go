package crdt_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
)

var now = time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)

func newPerson(name string) *identity.Identity {
	id, err := identity.New(name, now)
	if err != nil {
		panic(err)
	}
	return id
}

func check[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func Example() {
	ana, ben, cem := newPerson("Ana"), newPerson("Ben"), newPerson("Cem")

	// Ana founds a cell and vouches for Ben, who accepts (on his own
	// device, after a sync; here on the same copy).
	cell := check(crdt.Found(ana, "Night shift", now))
	check(cell.Admit(ana, ben.Card, now))
	fmt.Println(cell.State().IsInvited(ben.Card.ID()))
	check(cell.Join(ben, now))

	// Ben rates Cem, who is not a member: warning others is the point.
	check(cell.Rate(ben, cem.Card, crdt.Rating{Safety: 2, Reliability: 1, Note: "kept the money", Day: "2026-11-20"}, now))

	st := cell.State()
	fmt.Println(st.Name)
	for _, m := range st.Members {
		fmt.Println(m.Card.Pseudonym, m.Status, len(m.VouchedBy))
	}
	for _, r := range st.RatingsAbout(cem.Card.ID()) {
		fmt.Println("Cem:", r.Rating.Safety, r.Rating.Reliability, r.Rating.Note)
	}
	// Output:
	// true
	// Night shift
	// Ana member 0
	// Ben member 1
	// Cem: 2 1 kept the money
}

func ExampleCell_VoteExclude() {
	ana, ben, cem := newPerson("Ana"), newPerson("Ben"), newPerson("Cem")
	cell := check(crdt.Found(ana, "Cell", now))
	check(cell.Admit(ana, ben.Card, now))
	check(cell.Join(ben, now))
	check(cell.Admit(ana, cem.Card, now))
	check(cell.Join(cem, now))

	// Three members: excluding Cem takes both other members' votes.
	check(cell.VoteExclude(ana, cem.Card.ID(), now))
	m, _ := cell.State().Member(cem.Card.ID())
	fmt.Println(m.Status)
	check(cell.VoteExclude(ben, cem.Card.ID(), now))
	m, _ = cell.State().Member(cem.Card.ID())
	fmt.Println(m.Status, len(m.ExcludedBy))

	// Cem's statements count for nothing now; the cell refuses to make them.
	_, err := cell.Rate(cem, ana.Card, crdt.Rating{Safety: 1, Reliability: 1, Day: "2026-11-21"}, now)
	fmt.Println(errors.Is(err, crdt.ErrNotAllowed))
	// Output:
	// member
	// excluded 2
	// true
}

func ExampleCell_ChangesSince() {
	ana, ben := newPerson("Ana"), newPerson("Ben")
	anas := check(crdt.Found(ana, "Cell", now))
	check(anas.Admit(ana, ben.Card, now))
	check(anas.Join(ben, now))

	// Ben's device starts from everything Ana's has.
	bens := check(crdt.Load(check(anas.ChangesSince(nil))))
	known := bens.Heads()

	// Both add a statement; then Ben sends only what Ana lacks.
	check(bens.Rate(ben, ana.Card, crdt.Rating{Safety: 5, Reliability: 5, Day: "2026-11-21"}, now))
	check(anas.Rate(ana, ben.Card, crdt.Rating{Safety: 4, Reliability: 5, Day: "2026-11-21"}, now))
	if err := anas.ApplyChanges(check(bens.ChangesSince(known))); err != nil {
		panic(err)
	}
	if err := bens.Merge(anas); err != nil {
		panic(err)
	}
	fmt.Println(len(anas.State().Ratings), anas.State().Digest() == bens.State().Digest())
	// Output:
	// 2 true
}

func ExampleChecker_LoadUntrusted() {
	ana := newPerson("Ana")
	doc := check(crdt.Found(ana, "Cell", now)).Save()

	// The zero Checker runs this program in worker mode; main (here,
	// TestMain) must call IsWorker and ServeWorker.
	var ch crdt.Checker
	cell, res, err := ch.LoadUntrusted(context.Background(), doc)
	fmt.Println(err, cell.State().Name, res.Counted)

	_, _, err = ch.LoadUntrusted(context.Background(), []byte("not a cell"))
	fmt.Println(errors.Is(err, crdt.ErrDamaged))
	// Output:
	// <nil> Cell 1
	// true
}

func ExampleDecode() {
	ana, ben := newPerson("Ana"), newPerson("Ben")
	cell := check(crdt.Found(ana, "Cell", now))
	s := check(cell.Admit(ana, ben.Card, now))

	d, err := crdt.Decode(s.Bytes())
	fmt.Println(err, d.Kind, d.ID() == s.ID(), d.Verify(ana.Card), d.Verify(ben.Card) != nil)

	b := append([]byte(nil), s.Bytes()...)
	b[len(b)-1] ^= 1 // flip a bit of the signature
	d = check(crdt.Decode(b))
	fmt.Println(errors.Is(d.Verify(ana.Card), crdt.ErrForged))
	// Output:
	// <nil> admit true <nil> true
	// true
}
