package core

import (
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/reputation"
	"trustdesk/store"
)

// Reputation computes everyone's reputation as I see it: from every cell on
// this device, weighted by whom I verified in person and who vouched for
// whom, ignoring people I blocked. See reputation/MODEL.md. It counts
// time by the day (the model's Now is the start of the day, UTC), so a
// start reads what was kept of the reputation for the cells and contacts
// as they are, that day (see startcache.go), and computes it whole only
// when asked for more.
func (s *Service) Reputation() (*reputation.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.now()
	var inputs []byte
	var own []*Contact
	var kept *reputation.Result
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		if inputs, own, err = s.startInputs(tx); err != nil {
			return err
		}
		kept = keptReputation(tx, inputs, now, func() *reputation.Result {
			s.mu.Lock()
			defer s.mu.Unlock()
			r, _, err := s.reputationAt(now)
			if err != nil {
				return nil
			}
			return r
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer s.keepAhead()
	if kept != nil {
		return kept, nil
	}
	r, w, err := s.reputationAt(now)
	if err != nil {
		return nil, err
	}
	s.keepReputation(inputs, own, r, w, now)
	return r, nil
}

// reputationAt computes the reputation at now, with the time within
// which the same computation reads the same ratings and day. The caller
// holds s.mu.
func (s *Service) reputationAt(now time.Time) (*reputation.Result, keepWindow, error) {
	w := newKeepWindow(now)
	cells, err := s.loadCells()
	if err != nil {
		return nil, w, err
	}
	me := s.me().Card.ID()
	in := &reputation.Input{Viewer: me.String(), Now: dayOf(now)}
	err = s.db.View(func(tx *store.Tx) error {
		contacts, err := listContacts(tx)
		if err != nil {
			return err
		}
		for _, c := range contacts {
			if c.Verified == InPerson {
				in.Verified = append(in.Verified, c.ID().String())
			}
			if c.Blocked {
				in.Blocked = append(in.Blocked, c.ID().String())
			}
		}
		names, err := s.namesFor(tx, cells)
		if err != nil {
			return err
		}
		in.Names = names.byString(&s.namesMu)
		return nil
	})
	if err != nil {
		return nil, w, err
	}
	// What a replaced card says now, in any cell, is not its owner's
	// word (crdt/SCHEMA.md §4.5; TestAttackOldCardKeepsTrustElsewhere).
	for id := range replacedCards(cells, me) {
		in.Replaced = append(in.Replaced, id.String())
	}
	latest := now.Add(crdt.DayAllowance)
	for _, c := range sortedCells(cells) {
		st := c.State()
		rc := reputation.Cell{ID: st.Cell.String(), Name: st.Name}
		invited := st.IsInvited(me)
		for _, m := range st.Members {
			if invited && m.ID == me {
				// Until I accept, I joined nobody's cell: an invitation
				// gives its inviter no trust, nor anyone up its chain
				// (a hostile client sends it where I am only pending,
				// TestAttackInvitationGivesTrust).
				continue
			}
			rc.Members = append(rc.Members, reputation.Member{ID: m.ID.String(), Status: string(m.Status), VouchedBy: idStrings(m.VouchedBy)})
		}
		for _, r := range st.Ratings {
			day, err := time.Parse("2006-01-02", r.Rating.Day)
			if err != nil {
				continue // crdt only counts well-formed days
			}
			counted := !r.Created.After(latest)
			w.rating(r.Created, counted)
			if !counted {
				// Made, by its author's word, after this device's clock:
				// it counts once that time comes, not as a rating of
				// today that never ages (crdt/SCHEMA.md §2.4).
				continue
			}
			rc.Ratings = append(rc.Ratings, reputation.Rating{
				ID: r.Statement.String(), Rater: r.Author.String(), Subject: r.Subject.String(),
				Safety: r.Rating.Safety, Reliability: r.Rating.Reliability,
				Day: day, Made: r.Created, Tags: r.Rating.Tags, Note: r.Rating.Note,
			})
		}
		in.Cells = append(in.Cells, rc)
	}
	return reputation.Compute(in), w, nil
}

// replacedCards returns the cards replaced by a new one in cells, leaving
// out the cells that only invite me (there a replacement changes nothing
// on this device). Only a card's holder can sign its replacement: the
// owner with their guardians, or a thief; either way whoever still signs
// with the old card is not, or not only, its owner.
func replacedCards(cells map[crdt.CellID]*crdt.Cell, me identity.ID) map[identity.ID]bool {
	out := map[identity.ID]bool{}
	for _, c := range cells {
		st := c.State()
		if st.IsInvited(me) {
			continue
		}
		for _, r := range st.Replaced {
			out[r.Old] = true
		}
	}
	return out
}

func idStrings(ids []identity.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}
