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
	started, lastKept := int64(-1), false
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		if inputs, own, err = s.startInputs(tx); err != nil {
			return err
		}
		started = startedDay(tx)
		kept = keptReputation(tx, inputs, now, func() *reputation.Result {
			s.mu.Lock()
			defer s.mu.Unlock()
			r, _, err := s.reputationAt(now)
			if err != nil {
				return nil
			}
			return r
		})
		tomorrow := dayOf(now).AddDate(0, 0, 1)
		lastKept = kept != nil && !keptAt(tx, startReputation(tomorrow), inputs, tomorrow)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.noteStarted(now, started, kept == nil || lastKept)
	defer s.keepAhead()
	if kept != nil {
		return kept, nil
	}
	s.inputsRead()
	r, w, err := s.reputationAt(now)
	if err != nil {
		return nil, err
	}
	s.repComputed = true
	s.keepReputation(inputs, own, r, w, now)
	return r, nil
}

// reputationAt computes the reputation at now, with the time within
// which the same computation reads the same ratings and day (the day:
// see madeBy). The caller holds s.mu.
func (s *Service) reputationAt(now time.Time) (*reputation.Result, keepWindow, error) {
	src, blocked, err := s.reputationSource()
	if err != nil {
		return nil, newKeepWindow(now), err
	}
	return src.Compute(dayOf(now), madeBy(now), blocked), newKeepWindow(now), nil
}

// reputationSource returns what the reputation is computed from at any
// time, with who is blocked now: the source kept for the home as it is,
// else worked out from every cell and kept (see startinput.go). The
// caller holds s.mu.
func (s *Service) reputationSource() (*reputation.Source, []string, error) {
	var inputs []byte
	var contacts []*Contact
	var kept *reputation.Source
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		if inputs, contacts, err = s.cellsInputs(tx); err != nil {
			return err
		}
		if b := readStart(tx, startRepSource, inputs, time.Time{}); b != nil {
			kept, _ = reputation.DecodeSourceParts(b, s.textPart(inputs)) // damaged: worked out again
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if kept == nil {
		src, err := s.reputationSourceOfCells()
		if err != nil {
			return nil, nil, err
		}
		kept = reputation.Prepare(&src.in)
		s.keepSource(inputs, kept)
	}
	s.lastSource, s.lastSourceInputs = kept, inputs
	return kept, blockedOf(contacts), nil
}

// blockedOf returns the ids of the blocked contacts, as the reputation
// takes them. The source kept is keyed by what the list of cells is
// (cellsInputs), which leaves out who is blocked: whoever is blocked now
// is read from the contacts each time, so that blocking someone does not
// make a command work out the source from every cell again.
func blockedOf(contacts []*Contact) []string {
	var out []string
	for _, c := range contacts {
		if c.Blocked {
			out = append(out, c.ID().String())
		}
	}
	return out
}

// reputationSourceOfCells works out what the reputation is computed from
// out of every cell and my contacts. The caller holds s.mu.
func (s *Service) reputationSourceOfCells() (*repSource, error) {
	cells, err := s.loadCells()
	if err != nil {
		return nil, err
	}
	me := s.me().Card.ID()
	src := &repSource{in: reputation.Input{Viewer: me.String()}}
	in := &src.in
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
		return nil, err
	}
	// What a replaced card says now, in any cell, is not its owner's
	// word (crdt/SCHEMA.md §4.5; TestAttackOldCardKeepsTrustElsewhere).
	for id := range replacedCards(cells, me) {
		in.Replaced = append(in.Replaced, id.String())
	}
	for _, c := range sortedCells(cells) {
		in.Cells = append(in.Cells, reputationCell(c.State(), me))
	}
	return src, nil
}

// reputationCell returns what the reputation reads of a cell's state:
// its members and every rating with a well-formed day (crdt only counts
// those), whenever made.
func reputationCell(st *crdt.State, me identity.ID) reputation.Cell {
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
			continue
		}
		rc.Ratings = append(rc.Ratings, reputation.Rating{
			ID: r.Statement.String(), Rater: r.Author.String(), Subject: r.Subject.String(),
			Safety: r.Rating.Safety, Reliability: r.Rating.Reliability,
			Day: day, Made: r.Created, Tags: r.Rating.Tags, Note: r.Rating.Note,
		})
	}
	return rc
}

// replacedCards returns the cards replaced by a new one in cells, leaving
// out the cells that only invite me (there a replacement changes nothing
// on this device). Only a card's holder can sign its replacement: the
// owner with their guardians, or a thief; either way whoever still signs
// with the old card is not, or not only, its owner.
func replacedCards(cells map[crdt.CellID]*crdt.Cell, me identity.ID) map[identity.ID]bool {
	states := make([]*crdt.State, 0, len(cells))
	for _, c := range cells {
		states = append(states, c.State())
	}
	return replacedAmong(states, me)
}

// replacedAmong is replacedCards of the cells' states.
func replacedAmong(states []*crdt.State, me identity.ID) map[identity.ID]bool {
	out := map[identity.ID]bool{}
	for _, st := range states {
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
