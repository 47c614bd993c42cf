package export

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

var (
	peopleOnce sync.Once
	people     []*identity.Identity
)

// person returns the i-th of a fixed set of test identities, made once.
func person(tb testing.TB, i int) *identity.Identity {
	tb.Helper()
	peopleOnce.Do(func() {
		for j := range 10 {
			id, err := identity.New(fmt.Sprintf("Person %d", j), t0)
			if err != nil {
				panic(err)
			}
			people = append(people, id)
		}
	})
	return people[i]
}

// must returns v, or panics (failing the test) if err is not nil.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// testCell returns a cell founded by person 0 with persons 1 and 2 as
// members and n ratings by person 0.
func testCell(tb testing.TB, n int) *crdt.Cell {
	tb.Helper()
	a := person(tb, 0)
	c := must(crdt.Found(a, "Night shift", t0))
	must(c.Admit(a, person(tb, 1).Card, t0))
	must(c.Admit(a, person(tb, 2).Card, t0))
	addRatings(tb, c, n)
	return c
}

// addRatings adds n ratings by person 0 about persons 1 and 2.
func addRatings(tb testing.TB, c *crdt.Cell, n int) {
	tb.Helper()
	a := person(tb, 0)
	for i := range n {
		r := crdt.Rating{Safety: 1 + i%5, Reliability: 1 + (i/5)%5, Day: t0.AddDate(0, 0, -(i % 300)).Format(time.DateOnly)}
		if i%10 == 0 {
			r.Note = "on time, friendly"
		}
		must(c.Rate(a, person(tb, 1+i%2).Card, r, t0.Add(time.Duration(i)*time.Minute)))
	}
}

// fileFor returns the content of a sync file carrying c's changes since
// since.
func fileFor(tb testing.TB, c *crdt.Cell, since []crdt.ChangeHash) *File {
	tb.Helper()
	return &File{Cells: []Cell{{
		ID:      c.ID(),
		Heads:   c.Heads(),
		Since:   since,
		Changes: must(c.ChangesSince(since)),
	}}}
}
