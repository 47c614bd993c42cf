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

// Invitations waiting for an answer are bounded, a declined invitation
// stays declined, and everything from a person can be turned down (README
// "Invitations"; crdt/SCHEMA.md §7).
//
// Anyone whose card this device holds, including anyone whose card was
// ever published in a cell it holds, can send sync files bringing new
// cells that list me as invited. Each such cell is read at every start, so
// without a bound the files of one stranger make every later start slower.
// An import therefore takes a new cell in which I am only invited only
// within these bounds, and leaves the others out (taking the rest of the
// file):
//
//   - An invitation counts for who invited me ([invitedBy]): a member whose
//     vouch for me is signed in the cell. Nobody can sign for someone
//     else, whereas whoever sends a file chooses what it carries.
//   - People verified in person (met) each have [waitingPerPersonMet]
//     places; everyone else together shares [maxWaitingNotMet] places, at
//     most [waitingPerCardOnly] each. Cards are free to make and to
//     publish; meeting in person is not.
//   - At most [MaxWaitingInvitations] wait in all, of which those not met
//     never take more than their pool: they cannot crowd out people met
//     in person.
//
// Answering (accepting or turning down) makes room: the inviter's next
// file brings the invitation again.
const (
	// MaxWaitingInvitations is how many invitations may wait for an
	// answer on a device, from everyone together.
	MaxWaitingInvitations = 20
	// maxWaitingNotMet is how many of them may come from people not
	// verified in person, all together: anyone who got into any cell this
	// device holds can publish as many cards as they like.
	maxWaitingNotMet = 8
	// waitingPerPersonMet is the share of an inviter verified in person:
	// someone met face to face is who invites to real cells.
	waitingPerPersonMet = 6
	// waitingPerCardOnly is the share of any other inviter, within the
	// pool of maxWaitingNotMet.
	waitingPerCardOnly = 3
)

// Buckets: bucketInvitation held, by cell id, who brought an invitation
// (earlier versions; only deleted now); bucketDeclined holds, by cell id,
// the invitations I turned down; bucketTurnedDown, by identity id, the
// people I turned down every invitation from.
const (
	bucketInvitation = "invitation"
	bucketDeclined   = "declined"
	bucketTurnedDown = "turneddown"
)

type declinedRecord struct {
	Name    string `cbor:"1,keyasint"`
	From    []byte `cbor:"2,keyasint"` // who invited me
	Founder []byte `cbor:"3,keyasint"`
	At      int64  `cbor:"4,keyasint"`
}

type turnedDownRecord struct {
	Name string `cbor:"1,keyasint"` // the name shown when turned down
	At   int64  `cbor:"2,keyasint"`
}

// invitedBy returns who invited me to the cell with state st, as this
// device counts and shows it: of the members whose vouches for me
// counted, the first one met in person, else the first; the founder when
// none did. Every one of them signed their vouch in the cell, so nobody
// can make an invitation count for someone else.
func invitedBy(st *crdt.State, me identity.ID, met func(identity.ID) bool) identity.ID {
	m, ok := st.Member(me)
	if !ok || len(m.VouchedBy) == 0 {
		return st.Founder
	}
	for _, v := range m.VouchedBy {
		if met(v) {
			return v
		}
	}
	return m.VouchedBy[0]
}

// invitationBook is what an import needs to bound the invitations it
// takes in: who invited me to each cell waiting now, the cells of the
// file I turned down, and the people I turned down everything from.
type invitationBook struct {
	waiting     map[identity.ID]int // by who invited me
	met, notMet int                 // waiting from people met in person, from others
	isMet       func(identity.ID) bool
	declined    map[crdt.CellID]bool // of the file's cells
	// refused caches lookup: whether I refuse every invitation from id.
	refused map[identity.ID]refusal
	lookup  func(identity.ID) (refusal, error)
}

// readInvitations counts the invitations waiting, by who invited me, and
// reads which of the cells (those of a file) I turned down. It reads
// only records it needs, never a whole list: the lists grow with every
// answer.
func readInvitations(tx *store.Tx, all map[crdt.CellID]*crdt.Cell, me identity.ID, met func(identity.ID) bool, cells []crdt.CellID) (*invitationBook, error) {
	b := &invitationBook{waiting: map[identity.ID]int{}, isMet: met, declined: map[crdt.CellID]bool{}, refused: map[identity.ID]refusal{}}
	for _, c := range all {
		st := c.State()
		if !st.IsInvited(me) {
			continue
		}
		b.count(invitedBy(st, me, met))
	}
	for _, id := range cells {
		if _, err := tx.Get(bucketDeclined, nil, id[:]); err == nil {
			b.declined[id] = true
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return b, nil
}

// count counts one invitation waiting from by.
func (b *invitationBook) count(by identity.ID) {
	if b.isMet(by) {
		b.met++
	} else {
		b.notMet++
	}
	b.waiting[by]++
}

// Why an invitation was left out by the bounds.
const (
	roomYes     = iota
	roomAll     // MaxWaitingInvitations wait
	roomNotMet  // maxWaitingNotMet wait from people not met in person
	roomByShare // the inviter's share waits
)

// admit says whether a new invitation from by may come in (roomYes, and
// counts it) or which bound keeps it out.
func (b *invitationBook) admit(by identity.ID) int {
	share := waitingPerCardOnly
	if b.isMet(by) {
		share = waitingPerPersonMet
	} else if b.notMet >= maxWaitingNotMet {
		return roomNotMet
	}
	// Those not met count at most their pool against the bound in all
	// (more wait only if taken in before this rule).
	if b.met+min(b.notMet, maxWaitingNotMet) >= MaxWaitingInvitations {
		return roomAll
	}
	if b.waiting[by] >= share {
		return roomByShare
	}
	b.count(by)
	return roomYes
}

// refusal is why I take no invitation from someone.
type refusal int

const (
	notRefused        refusal = iota
	refusedTurnedDown         // I turned down everything from them
	refusedBlocked            // I blocked them
)

// refusedBy returns the first of ids I take no invitation from, and why.
func (b *invitationBook) refusedBy(ids ...identity.ID) (identity.ID, refusal, error) {
	for _, id := range ids {
		r, seen := b.refused[id]
		if !seen {
			var err error
			if r, err = b.lookup(id); err != nil {
				return id, notRefused, err
			}
			b.refused[id] = r
		}
		if r != notRefused {
			return id, r, nil
		}
	}
	return identity.ID{}, notRefused, nil
}

// LeftOut says which invitations an import did not take in.
type LeftOut struct {
	// AllWaiting is the number of new invitations left out because
	// [MaxWaitingInvitations] wait for an answer; NotMet, because the
	// places of everyone not verified in person together are taken.
	AllWaiting, NotMet int
	// Shares lists, by who invited me, the invitations left out because
	// that person's share waits (Waiting says how many).
	Shares []LeftOutFrom
	// TurnedDown lists, by person, the invitations left out because I
	// turned down everything from them; Blocked, because I blocked them.
	TurnedDown, Blocked []LeftOutFrom
	// Declined is the number of invitations left out because I turned
	// them down.
	Declined int
	// Ended is the number of new cells left out because they ended my
	// invitation before I accepted it; Removed, of cells held that did
	// so now, which the import removed.
	Ended, Removed int
}

// LeftOutFrom is how many invitations from one person an import left out.
type LeftOutFrom struct {
	Person      Person
	Invitations int
	// Waiting is how many of theirs wait for an answer.
	Waiting int
}

func (l *LeftOut) empty() bool {
	return l == nil || l.AllWaiting == 0 && l.NotMet == 0 && len(l.Shares) == 0 && len(l.TurnedDown) == 0 && len(l.Blocked) == 0 &&
		l.Declined == 0 && l.Ended == 0 && l.Removed == 0
}

// add counts one invitation from id left out, in list.
func addFrom(list []LeftOutFrom, id identity.ID, waiting int) []LeftOutFrom {
	for i := range list {
		if list[i].Person.ID == id {
			list[i].Invitations++
			list[i].Waiting = waiting
			return list
		}
	}
	return append(list, LeftOutFrom{Person: Person{ID: id}, Invitations: 1, Waiting: waiting})
}

// name names the people of the lists as names does.
func (l *LeftOut) name(names map[identity.ID]string) {
	if l == nil {
		return
	}
	for _, list := range [][]LeftOutFrom{l.Shares, l.TurnedDown, l.Blocked} {
		for i := range list {
			list[i].Person = person(names, list[i].Person.ID)
		}
	}
}

// wasWere returns "was" for one, "were" for more.
func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// phrases says what was left out, as phrases of the summary sentence.
func (l *LeftOut) phrases() []string {
	if l.empty() {
		return nil
	}
	var out []string
	invitations := func(n int) string { return words.Count(n, "invitation", "invitations") }
	for _, f := range l.TurnedDown {
		out = append(out, fmt.Sprintf("%s from %s %s left out: you turned down everything from them", invitations(f.Invitations), f.Person.Name, wasWere(f.Invitations)))
	}
	for _, f := range l.Blocked {
		out = append(out, fmt.Sprintf("%s from %s %s left out: you blocked them", invitations(f.Invitations), f.Person.Name, wasWere(f.Invitations)))
	}
	for _, f := range l.Shares {
		out = append(out, fmt.Sprintf("%s from %s %s left out: you have %s of theirs waiting; accept or turn them down first", invitations(f.Invitations), f.Person.Name, wasWere(f.Invitations), words.Number(f.Waiting)))
	}
	if n := l.NotMet; n > 0 {
		out = append(out, fmt.Sprintf("%s from people you have not met in person %s left out: you have %s of theirs waiting; accept or turn down some of them first", invitations(n), wasWere(n), words.Number(maxWaitingNotMet)))
	}
	if n := l.AllWaiting; n > 0 {
		out = append(out, fmt.Sprintf("%s %s left out: you have %s waiting; accept or turn down some of them first", invitations(n), wasWere(n), words.Number(MaxWaitingInvitations)))
	}
	if n := l.Declined; n > 0 {
		out = append(out, fmt.Sprintf("%s you turned down %s left out", invitations(n), wasWere(n)))
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
	out, err := readList(s, bucketDeclined, func(key, value []byte, names map[identity.ID]string) (Declined, error) {
		var r declinedRecord
		if err := cbor.Unmarshal(value, &r); err != nil || len(key) != len(crdt.CellID{}) {
			return Declined{}, errors.New("malformed record")
		}
		d := Declined{ID: crdt.CellID(key), Name: r.Name, At: time.Unix(r.At, 0)}
		if len(r.From) == len(identity.ID{}) {
			d.From = person(names, identity.ID(r.From))
		}
		if len(r.Founder) == len(identity.ID{}) {
			d.Founder = person(names, identity.ID(r.Founder))
		}
		return d, nil
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
	return findOne(all, query, func(d Declined) (string, string) { return d.Name, d.ID.String() }, ErrNoSuchCell)
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

// metIn returns whether a person is a contact verified in person, read
// in tx.
func metIn(tx *store.Tx) func(identity.ID) bool {
	return func(id identity.ID) bool {
		c, err := getContact(tx, id)
		return err == nil && c.Verified == InPerson
	}
}

// TurnedDown is a person I turned down every invitation from.
type TurnedDown struct {
	Person Person
	At     time.Time
}

// TurnDownEveryoneFrom turns down every invitation from a person, now and
// later: the invitations waiting that they founded the cell of or invited
// me to are turned down (and forgotten, as [Service.DeclineCell] does), and
// an import leaves out every new invitation they founded the cell of or
// invited me to, or carried unless from someone I met in person, and says
// so. Nothing is sent and nobody is told;
// nothing else about them changes (cells we share, their ratings, whether
// I met them). It returns how many invitations waiting it turned down.
func (s *Service) TurnDownEveryoneFrom(id identity.ID) (int, error) {
	if id == s.me().Card.ID() {
		return 0, fmt.Errorf("%w: you cannot turn down your own invitations", crdt.ErrNotAllowed)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int
	err := s.afresh(func() (err error) {
		n, err = s.turnDown(id)
		return err
	})
	return n, err
}

// turnDown is TurnDownEveryoneFrom from the cells as stored now. The
// caller holds s.mu.
func (s *Service) turnDown(id identity.ID) (int, error) {
	all, err := s.loadCells()
	if err != nil {
		return 0, err
	}
	me := s.me().Card.ID()
	var gone []crdt.CellID
	s.beforeWriting()
	err = s.db.Update(func(tx *store.Tx) error {
		names, err := s.names(tx, all)
		if err != nil {
			return err
		}
		if err := putRecord(tx, bucketTurnedDown, id[:], turnedDownRecord{Name: person(names, id).Name, At: s.opt.now().Unix()}); err != nil {
			return err
		}
		met := metIn(tx)
		for cid, c := range all {
			st := c.State()
			if st.IsInvited(me) && (st.Founder == id || invitedBy(st, me, met) == id) {
				if err := s.unchanged(tx, cid); err != nil {
					return err
				}
				if err := forgetCell(tx, cid); err != nil {
					return err
				}
				gone = append(gone, cid)
			}
		}
		return nil
	})
	if err != nil {
		s.cells = nil
		return 0, err
	}
	for _, cid := range gone {
		delete(all, cid)
		delete(s.headers, cid)
	}
	return len(gone), nil
}

// ShowInvitationsAgain takes back [Service.TurnDownEveryoneFrom]: sync
// files that bring their invitations show them again.
func (s *Service) ShowInvitationsAgain(id identity.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Update(func(tx *store.Tx) error {
		if _, err := tx.Get(bucketTurnedDown, nil, id[:]); errors.Is(err, store.ErrNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		return tx.Delete(bucketTurnedDown, nil, id[:])
	})
}

// TurnedDownPeople lists the people I turned down every invitation from,
// newest first, named as this device names them now (else by the name
// they had then).
func (s *Service) TurnedDownPeople() ([]TurnedDown, error) {
	out, err := readList(s, bucketTurnedDown, func(key, value []byte, names map[identity.ID]string) (TurnedDown, error) {
		var r turnedDownRecord
		if err := cbor.Unmarshal(value, &r); err != nil || len(key) != len(identity.ID{}) {
			return TurnedDown{}, errors.New("malformed record")
		}
		p := Person{ID: identity.ID(key), Name: r.Name}
		if n, ok := names[p.ID]; ok {
			p.Name = n
		}
		return TurnedDown{Person: p, At: time.Unix(r.At, 0)}, nil
	})
	slices.SortFunc(out, func(a, b TurnedDown) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return strings.Compare(a.Person.ID.String(), b.Person.ID.String())
	})
	return out, err
}

// FindTurnedDown returns the one person I turned down everything from
// that query names: their name or id, or an unambiguous case-insensitive
// prefix of either.
func (s *Service) FindTurnedDown(query string) (*TurnedDown, error) {
	all, err := s.TurnedDownPeople()
	if err != nil {
		return nil, err
	}
	return findOne(all, query, func(t TurnedDown) (string, string) { return t.Person.Name, t.Person.ID.String() }, ErrNotFound)
}

// AnyTurnedDown reports whether I turned down any invitation, or
// everything from anyone: what a screen needs to offer the list, without
// reading it.
func (s *Service) AnyTurnedDown() (bool, error) {
	var yes bool
	err := s.db.View(func(tx *store.Tx) error {
		for _, bucket := range []string{bucketTurnedDown, bucketDeclined} {
			n, err := tx.Count(bucket, nil)
			if err != nil || n > 0 {
				yes = n > 0
				return err
			}
		}
		return nil
	})
	return yes, err
}

// refusal reports whether I take no invitation from id: I turned down
// everything from them, or blocked them (a blocked person gets nothing
// from this device, and brings nothing to it through others either).
func (s *Service) refusal(id identity.ID) (refusal, error) {
	r := notRefused
	err := s.db.View(func(tx *store.Tx) error {
		_, err := tx.Get(bucketTurnedDown, nil, id[:])
		if err == nil {
			r = refusedTurnedDown
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		c, err := getContact(tx, id)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err == nil && c.Blocked {
			r = refusedBlocked
		}
		return err
	})
	return r, err
}

// forgetCell deletes a cell I only was invited to, with what is recorded
// of the invitation.
func forgetCell(tx *store.Tx, cell crdt.CellID) error {
	if err := tx.Delete(bucketInvitation, nil, cell[:]); err != nil {
		return err
	}
	if err := deleteParts(tx, cell); err != nil {
		return err
	}
	return tx.Delete(bucketCell, nil, cell[:])
}

// readList reads every record of bucket, each made into a T by read with
// the names this device shows people by.
func readList[T any](s *Service, bucket string, read func(key, value []byte, names map[identity.ID]string) (T, error)) ([]T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cells, err := s.loadCells()
	if err != nil {
		return nil, err
	}
	var out []T
	err = s.db.View(func(tx *store.Tx) error {
		names, err := s.names(tx, cells)
		if err != nil {
			return err
		}
		recs, err := tx.List(bucket, nil)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			v, err := read(rec.Key, rec.Value, names)
			if err != nil {
				return fmt.Errorf("read %s: %w", bucket, err)
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// findOne returns the one of all that query names (see matchQuery), an
// [AmbiguousError] listing them when it names several, or notFound.
func findOne[T any](all []T, query string, key func(T) (string, string), notFound error) (*T, error) {
	whole, exact, prefix := matchQuery(all, query, key)
	if whole != nil {
		return whole, nil
	}
	pick := exact
	if len(pick) == 0 {
		pick = prefix
	}
	switch len(pick) {
	case 0:
		return nil, fmt.Errorf("%w: %q", notFound, query)
	case 1:
		return &pick[0], nil
	}
	e := &AmbiguousError{Query: query}
	for _, it := range pick {
		name, id := key(it)
		e.Candidates = append(e.Candidates, Candidate{Name: name, ID: id})
	}
	return nil, e
}
