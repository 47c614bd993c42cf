package core

import (
	"errors"
	"fmt"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// AddWorkloadCell founds a cell called name that holds about statements
// statements, to measure how the app copes with a large home (the desktop
// app's start-up benchmark uses it). The cell's other members are new
// identities made on the spot and admitted by me; they rate each other, each
// rating a real signed statement, until the cell holds the number asked for.
// Their private parts are thrown away, so nobody can ever add to the cell
// but me. It is not meant for real use.
func (s *Service) AddWorkloadCell(name string, members, statements int) (*CellView, error) {
	if members < 2 {
		return nil, errors.New("a workload cell needs at least 2 members")
	}
	now := s.opt.now()
	c, err := crdt.Found(s.me(), name, now)
	if err != nil {
		return nil, err
	}
	people := make([]*identity.Identity, members)
	for i := range people {
		if people[i], err = identity.New(fmt.Sprintf("%s %d", name, i+1), now); err != nil {
			return nil, err
		}
		if _, err := c.Admit(s.me(), people[i].Card, now); err != nil {
			return nil, err
		}
	}
	left := statements - 1 - members
	for i, p := range people {
		n := left / members
		if i < left%members {
			n++
		}
		subjects := make([]*identity.Card, n)
		rs := make([]crdt.Rating, n)
		for j := range n {
			subjects[j] = people[(i+1+j%(members-1))%members].Card
			rs[j] = crdt.Rating{
				Safety:      1 + (i+j)%5,
				Reliability: 1 + (3*i+j)%5,
				Day:         now.AddDate(0, 0, -j%300).Format("2006-01-02"),
			}
		}
		if _, err := c.RateMany(p, subjects, rs, now); err != nil {
			return nil, err
		}
	}
	return s.addCell(c)
}
