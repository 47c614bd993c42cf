package core

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/words"
	"trustdesk/store"
)

// Invitations waiting for an answer are bounded, and a declined invitation
// stays declined (README "Invitations"; crdt/SCHEMA.md §7).
//
// Anyone whose card this device holds, including anyone whose card was
// ever published in a cell it holds, can send sync files bringing new
// cells that list me as invited. Each such cell is read at every start, so
// without a bound the files of one stranger make every later start slower.
// An import therefore takes a new cell in which I am only invited while
// fewer than [MaxWaitingInvitations] invitations wait for my answer and
// fewer than the sender's share ([waitingShare]) came from the same
// sender; it leaves the others out and takes the rest of the file.
// Answering (accepting or turning down) makes room: the inviter's next
// file brings the invitation again.
const (
	// MaxWaitingInvitations is how many invitations may wait for an
	// answer on a device, from everyone together.
	MaxWaitingInvitations = 20
	// waitingPerPersonMet is the share of a sender verified in person:
	// someone met face to face is who invites to real cells.
	waitingPerPersonMet = 6
	// waitingPerCardOnly is the share of a sender whose card is only
	// pasted or learned through a cell: anyone who got into any cell
	// this device holds can publish such a card.
	waitingPerCardOnly = 3
)

// Buckets: bucketInvitation holds, by cell id, who brought an invitation
// that waits for my answer; bucketDeclined holds, by cell id, the
// invitations I turned down.
const (
	bucketInvitation = "invitation"
	bucketDeclined   = "declined"
)

type invitationRecord struct {
	From []byte `cbor:"1,keyasint"` // the sender of the file that brought it
}

type declinedRecord struct {
	Name    string `cbor:"1,keyasint"`
	From    []byte `cbor:"2,keyasint"` // who brought it (the inviter)
	Founder []byte `cbor:"3,keyasint"`
	At      int64  `cbor:"4,keyasint"`
}

// waitingShare is how many invitations brought by a sender may wait for
// an answer at once.
func waitingShare(sender *Contact) int {
	if sender != nil && sender.Verified == InPerson {
		return waitingPerPersonMet
	}
	return waitingPerCardOnly
}

// invitationBook is what an import needs to bound the invitations it
// takes in: who brought each invitation waiting now, and the declined
// cells.
type invitationBook struct {
	waiting  map[identity.ID]int // by who brought them
	total    int
	declined map[crdt.CellID]bool
	share    int // the sender's share
}

// readInvitations counts the invitations waiting in all, by who brought
// them (the sender of the file recorded with it, else the first member who
// vouched for me), and reads the declined cells.
func readInvitations(tx *store.Tx, all map[crdt.CellID]*crdt.Cell, me identity.ID, sender *Contact) (*invitationBook, error) {
	b := &invitationBook{waiting: map[identity.ID]int{}, declined: map[crdt.CellID]bool{}, share: waitingShare(sender)}
	for id, c := range all {
		st := c.State()
		if !st.IsInvited(me) {
			continue
		}
		b.total++
		by, err := inviter(tx, id, st, me)
		if err != nil {
			return nil, err
		}
		b.waiting[by]++
	}
	recs, err := tx.List(bucketDeclined, nil)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if len(r.Key) == len(crdt.CellID{}) {
			b.declined[crdt.CellID(r.Key)] = true
		}
	}
	return b, nil
}

// admit says whether a new invitation from sender may come in, and counts
// it when it may.
func (b *invitationBook) admit(sender identity.ID) bool {
	if b.total >= MaxWaitingInvitations || b.waiting[sender] >= b.share {
		return false
	}
	b.total++
	b.waiting[sender]++
	return true
}

// LeftOut says which invitations an import did not take in.
type LeftOut struct {
	// Invitations is the number of new invitations left out because too
	// many wait for an answer.
	Invitations int
	// FromSender is how many invitations brought by the sender wait for
	// an answer; AllWaiting is true when the bound for everyone together
	// ([MaxWaitingInvitations]) was reached rather than the sender's
	// share.
	FromSender int
	AllWaiting bool
	// Declined is the number of invitations left out because I turned
	// them down.
	Declined int
	// Ended is the number of new cells left out because they ended my
	// invitation before I accepted it; Removed, of cells held that did
	// so now, which the import removed.
	Ended, Removed int
}

func (l *LeftOut) empty() bool {
	return l == nil || l.Invitations == 0 && l.Declined == 0 && l.Ended == 0 && l.Removed == 0
}

// wasWere returns "was" for one, "were" for more.
func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// phrases says what was left out, as phrases of the summary sentence.
func (l *LeftOut) phrases(from string) []string {
	if l.empty() {
		return nil
	}
	var out []string
	if n := l.Invitations; n > 0 {
		were := wasWere(n)
		what := words.Count(n, "invitation", "invitations")
		if l.AllWaiting {
			out = append(out, fmt.Sprintf("%s %s left out: you have %d waiting; accept or turn down some of them first", what, were, MaxWaitingInvitations))
		} else {
			out = append(out, fmt.Sprintf("%s from %s %s left out: you have %d of theirs waiting; accept or turn them down first", what, from, were, l.FromSender))
		}
	}
	if n := l.Declined; n > 0 {
		out = append(out, fmt.Sprintf("%s you turned down %s left out", words.Count(n, "invitation", "invitations"), wasWere(n)))
	}
	if n := l.Ended; n > 0 {
		out = append(out, fmt.Sprintf("%s that voted you out before you accepted %s left out", words.Count(n, "cell", "cells"), wasWere(n)))
	}
	if n := l.Removed; n > 0 {
		out = append(out, fmt.Sprintf("%s that invited you voted you out before you accepted, and %s removed", words.Count(n, "cell", "cells"), wasWere(n)))
	}
	return out
}

// Declined is an invitation I turned down.
type Declined struct {
	ID      crdt.CellID
	Name    string
	From    Person // who brought it
	Founder Person
	At      time.Time
}

// DeclinedCells lists the invitations I turned down, newest first.
func (s *Service) DeclinedCells() ([]Declined, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cells, err := s.loadCells()
	if err != nil {
		return nil, err
	}
	var out []Declined
	err = s.db.View(func(tx *store.Tx) error {
		names, err := s.names(tx, cells)
		if err != nil {
			return err
		}
		recs, err := tx.List(bucketDeclined, nil)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			var r declinedRecord
			if err := cbor.Unmarshal(rec.Value, &r); err != nil || len(rec.Key) != len(crdt.CellID{}) {
				return fmt.Errorf("read declined: malformed record")
			}
			d := Declined{ID: crdt.CellID(rec.Key), Name: r.Name, At: time.Unix(r.At, 0)}
			if len(r.From) == len(identity.ID{}) {
				d.From = person(names, identity.ID(r.From))
			}
			if len(r.Founder) == len(identity.ID{}) {
				d.Founder = person(names, identity.ID(r.Founder))
			}
			out = append(out, d)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Declined) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	return out, err
}

// FindDeclined returns the one invitation I turned down that query names:
// its name or id, or an unambiguous case-insensitive prefix of either.
func (s *Service) FindDeclined(query string) (*Declined, error) {
	all, err := s.DeclinedCells()
	if err != nil {
		return nil, err
	}
	whole, exact, prefix := matchQuery(all, query, func(d Declined) (string, crdt.CellID) { return d.Name, d.ID })
	if whole != nil {
		return whole, nil
	}
	pick := exact
	if len(pick) == 0 {
		pick = prefix
	}
	switch len(pick) {
	case 0:
		return nil, fmt.Errorf("%w: %q", ErrNoSuchCell, query)
	case 1:
		return &pick[0], nil
	}
	e := &AmbiguousError{Query: query}
	for _, d := range pick {
		e.Candidates = append(e.Candidates, Candidate{Name: d.Name, ID: d.ID.String()})
	}
	return nil, e
}

// TakeBackDecline forgets that I turned down the invitation to cell: the
// next sync file that brings it shows it again (a member's next file
// does, as long as I am still invited).
func (s *Service) TakeBackDecline(cell crdt.CellID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Update(func(tx *store.Tx) error {
		if _, err := tx.Get(bucketDeclined, nil, cell[:]); errors.Is(err, store.ErrNotFound) {
			return ErrNoSuchCell
		} else if err != nil {
			return err
		}
		return tx.Delete(bucketDeclined, nil, cell[:])
	})
}

// inviter returns who brought my invitation to the cell with id and state
// st: the sender of the file recorded with it, else the first member who
// vouched for me (cells taken in by earlier versions).
func inviter(tx *store.Tx, id crdt.CellID, st *crdt.State, me identity.ID) (identity.ID, error) {
	var by identity.ID
	r, err := getRecord[invitationRecord](tx, bucketInvitation, id[:])
	if err != nil {
		return by, err
	}
	if r != nil && len(r.From) == len(by) {
		return identity.ID(r.From), nil
	}
	if m, ok := st.Member(me); ok && len(m.VouchedBy) > 0 {
		by = m.VouchedBy[0]
	}
	return by, nil
}
