package core

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	"trustdesk/identity"
	"trustdesk/reputation"
	"trustdesk/store"
)

// Verification says how this device learned a contact's card.
type Verification string

// The ways a card can be learned, strongest first.
const (
	// InPerson: the card was scanned face to face, or the safety code was
	// compared out loud.
	InPerson Verification = "in-person"
	// Introduced: the card was learned through a cell.
	Introduced Verification = "introduced"
	// Unverified: the card was pasted or typed in.
	Unverified Verification = "unverified"
)

func (v Verification) rank() int {
	switch v {
	case InPerson:
		return 2
	case Introduced:
		return 1
	}
	return 0
}

// Contact is a card this device holds, with what the user knows about it.
type Contact struct {
	Card     *identity.Card
	Petname  string
	Verified Verification
	Blocked  bool
	Added    time.Time
	// PassedFrom is the old card whose verification passed to this one
	// when a replacement was followed (core/succession.go,
	// followReplacements); zero when the verification is the owner's own.
	PassedFrom identity.ID
}

// ID returns the contact's identity id.
func (c *Contact) ID() identity.ID { return c.Card.ID() }

// Name returns how this device shows the contact: the petname, else the
// pseudonym from the card.
func (c *Contact) Name() string {
	if c.Petname != "" {
		return c.Petname
	}
	return c.Card.Pseudonym
}

// contactRecord is the stored form of a [Contact] (CBOR, integer keys).
type contactRecord struct {
	Card     []byte `cbor:"1,keyasint"`
	Petname  string `cbor:"2,keyasint,omitempty"`
	Verified string `cbor:"3,keyasint"`
	Blocked  bool   `cbor:"4,keyasint,omitempty"`
	Added    int64  `cbor:"5,keyasint"`
	Passed   []byte `cbor:"6,keyasint,omitempty"` // Contact.PassedFrom
}

var cborEnc = func() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

func encodeContact(c *Contact) ([]byte, error) {
	return cborEnc.Marshal(contactRecord{
		Card:     c.Card.Bytes(),
		Petname:  c.Petname,
		Verified: string(c.Verified),
		Blocked:  c.Blocked,
		Added:    c.Added.Unix(),
		Passed:   passedBytes(c.PassedFrom),
	})
}

func decodeContact(b []byte) (*Contact, error) {
	var r contactRecord
	if err := cbor.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("read contact: %w", err)
	}
	// The card was checked in full before it was stored, and the store
	// cannot be altered without the vault key: checking its keys and
	// self-signature again would cost a quarter of a millisecond for
	// every one of thousands of people introduced through cells.
	card, err := identity.DecodeStoredCard(r.Card)
	if err != nil {
		return nil, fmt.Errorf("read contact: %w", err)
	}
	v := Verification(r.Verified)
	if v.rank() == 0 {
		v = Unverified
	}
	c := &Contact{Card: card, Petname: r.Petname, Verified: v, Blocked: r.Blocked, Added: time.Unix(r.Added, 0).UTC()}
	if len(r.Passed) == len(c.PassedFrom) {
		c.PassedFrom = identity.ID(r.Passed)
	}
	return c, nil
}

func passedBytes(id identity.ID) []byte {
	if id == (identity.ID{}) {
		return nil
	}
	return id[:]
}

// bucketIntroduced holds the contacts this device learned only through a
// cell: introduced, never named, verified or blocked by the user. They are
// kept apart from bucketContact because anyone in a cell can publish
// thousands of cards there: a start reads bucketContact (the people the
// user added, met, named or blocked), never this bucket, so what cells
// bring does not make a start slower. They are read when asked for: by
// id, a name query, or a list of everyone.
const bucketIntroduced = "contact.introduced"

// chosen reports whether c is a contact of the user's own doing, kept in
// bucketContact: not only introduced, or named or blocked.
func chosen(c *Contact) bool {
	return c.Verified != Introduced || c.Petname != "" || c.Blocked
}

func getContact(tx *store.Tx, id identity.ID) (*Contact, error) {
	b, err := tx.Get(bucketContact, nil, id[:])
	if errors.Is(err, store.ErrNotFound) {
		b, err = tx.Get(bucketIntroduced, nil, id[:])
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return decodeContact(b)
}

// putContact stores c in the bucket it belongs in (see chosen) and takes
// it out of the other.
func putContact(tx *store.Tx, c *Contact) error {
	b, err := encodeContact(c)
	if err != nil {
		return err
	}
	id := c.ID()
	in, out := bucketContact, bucketIntroduced
	if !chosen(c) {
		in, out = out, in
	}
	if err := tx.Delete(out, nil, id[:]); err != nil {
		return err
	}
	return tx.Put(in, nil, id[:], b)
}

// putNewContact stores c, which getContact found in neither bucket, in
// the bucket it belongs in: there is nothing to take out of the other (an
// import learns thousands of cards this way).
func putNewContact(tx *store.Tx, c *Contact) error {
	b, err := encodeContact(c)
	if err != nil {
		return err
	}
	id := c.ID()
	in := bucketContact
	if !chosen(c) {
		in = bucketIntroduced
	}
	return tx.Put(in, nil, id[:], b)
}

// deleteContact forgets the contact with id, wherever it is kept.
func deleteContact(tx *store.Tx, id identity.ID) error {
	if err := tx.Delete(bucketIntroduced, nil, id[:]); err != nil {
		return err
	}
	return tx.Delete(bucketContact, nil, id[:])
}

// listContacts returns the contacts of the user's own doing (see chosen),
// sorted by name: what a start reads. People only introduced through a
// cell are not among them; listAllContacts adds them.
func listContacts(tx *store.Tx) ([]*Contact, error) {
	return readContacts(tx, bucketContact)
}

// listAllContacts returns every contact, those only introduced through a
// cell included, sorted by name.
func listAllContacts(tx *store.Tx) ([]*Contact, error) {
	return readContacts(tx, bucketContact, bucketIntroduced)
}

func readContacts(tx *store.Tx, buckets ...string) ([]*Contact, error) {
	var out []*Contact
	for _, bucket := range buckets {
		recs, err := tx.List(bucket, nil)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			c, err := decodeContact(r.Value)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	sortContacts(out)
	return out, nil
}

func sortContacts(cs []*Contact) {
	slices.SortFunc(cs, func(a, b *Contact) int {
		if c := strings.Compare(strings.ToLower(a.Name()), strings.ToLower(b.Name())); c != 0 {
			return c
		}
		return strings.Compare(a.ID().String(), b.ID().String())
	})
}

// AddResult tells what [Service.AddContact] did.
type AddResult struct {
	// Contact is the contact as now stored.
	Contact *Contact
	// New is true when the card was not known before.
	New bool
	// SameName lists other contacts with the same pseudonym but a different
	// card: a different person, or someone whose card changed.
	SameName []*Contact
}

// AddContact stores the card in cardText as a contact. petname may be
// empty. verified marks it as verified in person: only say so after
// scanning the card face to face or comparing the safety code. Adding a card
// that is already known keeps what this device knew and updates the card if
// the new one is more recent; it never lowers how it was verified.
func (s *Service) AddContact(cardText, petname string, verified bool) (*AddResult, error) {
	card, err := identity.ParseCard(cardText)
	if err != nil {
		return nil, err
	}
	return s.addCard(card, petname, verified)
}

func (s *Service) addCard(card *identity.Card, petname string, verified bool) (*AddResult, error) {
	if card.ID() == s.me().Card.ID() {
		return nil, ErrOwnCard
	}
	if petname != "" {
		var err error
		if petname, err = normalizePetname(petname); err != nil {
			return nil, err
		}
	}
	res := &AddResult{}
	err := s.db.Update(func(tx *store.Tx) error {
		all, err := listAllContacts(tx)
		if err != nil {
			return err
		}
		var existing *Contact
		for _, c := range all {
			switch {
			case c.ID() == card.ID():
				existing = c
			case strings.EqualFold(c.Card.Pseudonym, card.Pseudonym):
				res.SameName = append(res.SameName, c)
			}
		}
		c := existing
		if c == nil {
			res.New = true
			c = &Contact{Card: card, Verified: Unverified, Added: s.opt.now()}
		} else if card.Created.After(c.Card.Created) {
			pinName(c, card) // TestAttackPastedCardTakesAnotherName
			c.Card = card
		}
		if petname != "" {
			c.Petname = petname
		}
		if verified {
			c.Verified = InPerson
		}
		res.Contact = c
		return putContact(tx, c)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func normalizePetname(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", ErrEmptyName
	}
	n, err := identity.NormalizePseudonym(name)
	if err != nil {
		return "", fmt.Errorf("name: %w", err)
	}
	return n, nil
}

// Contacts returns every contact, sorted by name, people only introduced
// through a cell included: a list that grows with what cells bring (a
// member can publish thousands of cards). [Service.OwnContacts] is the
// short list.
func (s *Service) Contacts() ([]*Contact, error) {
	return s.readContacts(listAllContacts)
}

// OwnContacts returns, sorted by name, the contacts of the user's own
// doing: the people they met in person, added from a card, named or
// blocked. It leaves out the people only introduced through a cell, so its
// length does not depend on how many cards others publish in the user's
// cells; [Service.Contacts] lists everyone.
func (s *Service) OwnContacts() ([]*Contact, error) {
	return s.readContacts(listContacts)
}

// OwnContactTest returns a function that reports whether someone is one
// of [Service.OwnContacts], read when it is first called (nobody, if
// they cannot be read): what [CellView.MembersShown] lists first after
// the people of the votes that concern me.
func (s *Service) OwnContactTest() func(identity.ID) bool {
	var own map[identity.ID]bool
	return func(id identity.ID) bool {
		if own == nil {
			own = map[identity.ID]bool{}
			cs, _ := s.OwnContacts()
			for _, c := range cs {
				own[c.ID()] = true
			}
		}
		return own[id]
	}
}

// FlaggedAtStart is the most people only introduced through a cell whom
// [Service.OwnContactsAndFlagged] reads for the People list's first
// view: the most strongly flagged first
// ([reputation.Result.FlaggedFirst]), the rest one click away.
const FlaggedAtStart = 50

// OwnContactsAndFlagged returns, sorted by name, [Service.OwnContacts]
// and the people only introduced through a cell whom rep flags as unsafe
// ([reputation.Result.Flagged]): the People list as it first shows, which
// must warn about a cheat however many cards others publish in the user's
// cells. It reads at most [FlaggedAtStart] of the flagged, the most
// strongly flagged first, so that a start costs the same however many
// people a member flags; more is how many flagged people it did not read
// (the list of everyone, [Service.Contacts], holds those of them whose
// card this device holds). rep may be nil (no flags).
func (s *Service) OwnContactsAndFlagged(rep *reputation.Result) (contacts []*Contact, more int, err error) {
	var out []*Contact
	err = s.db.View(func(tx *store.Tx) error {
		var err error
		if out, err = listContacts(tx); err != nil {
			return err
		}
		if rep == nil {
			return nil
		}
		// Enough of the most strongly flagged to find FlaggedAtStart who
		// are not my own contacts.
		first, total := rep.FlaggedFirstN(len(out) + FlaggedAtStart)
		own := make(map[identity.ID]bool, len(out)+1)
		for _, c := range out {
			own[c.ID()] = true
			if sc := rep.Person(c.ID().String()); sc != nil && sc.Flags > 0 {
				total-- // shown anyway
			}
		}
		// Me, whom no list of people holds (TestAttackMoreFoundUnsafeCountsMe).
		me := s.me().Card.ID()
		if sc := rep.Person(me.String()); sc != nil && sc.Flags > 0 {
			total--
		}
		own[me] = true
		read := 0
		for _, id := range first {
			pid, err := identity.ParseID(id)
			if err != nil || own[pid] || read == FlaggedAtStart {
				continue // not a person this device could hold, listed already, or enough
			}
			b, err := tx.Get(bucketIntroduced, nil, pid[:])
			if errors.Is(err, store.ErrNotFound) {
				total-- // no card held
				continue
			}
			if err != nil {
				return err
			}
			c, err := decodeContact(b)
			if err != nil {
				return err
			}
			out = append(out, c)
			read++
		}
		more = total - read
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	sortContacts(out)
	return out, more, nil
}

// IntroducedCount returns how many people this device knows only as
// introduced through a cell (those [Service.OwnContacts] leaves out),
// without reading them.
func (s *Service) IntroducedCount() (int, error) {
	var n int
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		n, err = tx.Count(bucketIntroduced, nil)
		return err
	})
	return n, err
}

func (s *Service) readContacts(list func(tx *store.Tx) ([]*Contact, error)) ([]*Contact, error) {
	var out []*Contact
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		out, err = list(tx)
		return err
	})
	return out, err
}

// AmbiguousError means a query matches more than one contact or cell.
type AmbiguousError struct {
	Query      string
	Candidates []Candidate
}

// Candidate is one of the things an ambiguous query could mean.
type Candidate struct {
	Name string
	ID   string
	// How says, for a contact, how their card was learned ("verified in
	// person", "introduced through a cell", "not verified"); empty for a
	// cell.
	How string
}

// detail says how the candidate was learned, if known, and the start of
// its id.
func (c Candidate) detail() string {
	if c.How != "" {
		return c.How + ", " + c.ID[:8]
	}
	return c.ID[:8]
}

func (e *AmbiguousError) Error() string {
	names := make([]string, len(e.Candidates))
	for i, c := range e.Candidates {
		names[i] = fmt.Sprintf("%s (%s)", c.Name, c.detail())
	}
	return fmt.Sprintf("%q could be any of: %s", e.Query, strings.Join(names, ", "))
}

// Words says in plain words how a contact's card was learned.
func (v Verification) Words() string {
	switch v {
	case InPerson:
		return "verified in person"
	case Introduced:
		return "introduced through a cell"
	}
	return "not verified"
}

func ambiguousContacts(query string, cs []*Contact) *AmbiguousError {
	e := &AmbiguousError{Query: query}
	for _, c := range cs {
		e.Candidates = append(e.Candidates, Candidate{Name: c.Name(), ID: c.ID().String(), How: c.Verified.Words()})
	}
	return e
}

// Contact returns the contact with the given id, or an error if this
// device holds no such contact.
func (s *Service) Contact(id identity.ID) (*Contact, error) {
	var c *Contact
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		c, err = getContact(tx, id)
		return err
	})
	return c, err
}

// FindContact returns the one contact that query names.
//
// A full id names its contact, and so does a private name (petname) this
// device gave, exactly. Otherwise query is matched against pseudonyms
// exactly, else as a case-insensitive prefix of pseudonyms, private names
// and ids. A card learned through a cell or pasted never silently takes
// the place of a contact verified in person: when the one best match is
// not verified in person but a verified contact also matches, the result
// is an [*AmbiguousError] that lists every match with how its card was
// learned, as it is when several contacts match equally well. So "mir"
// with an introduced "Mir" and a verified "Mirelda" names neither: anyone
// can publish a card called "Mir" in a cell.
func (s *Service) FindContact(query string) (*Contact, error) {
	all, err := s.Contacts()
	if err != nil {
		return nil, err
	}
	c, err := matchContact(all, query)
	if errors.Is(err, ErrNotFound) && s.isMe(query) {
		return nil, fmt.Errorf("%w (%w): %q", ErrItIsYou, ErrNotFound, query)
	}
	return c, err
}

// isMe tells whether query names this device's own card: its pseudonym
// or its whole id (a prefix of the id is too short to be sure).
func (s *Service) isMe(query string) bool {
	q := strings.ToLower(strings.TrimSpace(query))
	me := s.me().Card
	return q != "" && (q == strings.ToLower(me.Pseudonym) || q == me.ID().String())
}

func matchContact(all []*Contact, query string) (*Contact, error) {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return nil, ErrNotFound
	}
	pick := func(from []*Contact, match func(c *Contact) bool) []*Contact {
		var out []*Contact
		for _, c := range from {
			if match(c) {
				out = append(out, c)
			}
		}
		return out
	}
	// Names the user chose, or a whole id: nobody else can take these.
	mine := pick(all, func(c *Contact) bool { return c.ID().String() == q || strings.ToLower(c.Petname) == q })
	if len(mine) == 1 {
		return mine[0], nil
	}
	if len(mine) > 1 {
		return nil, ambiguousContacts(query, mine)
	}
	matches := pick(all, func(c *Contact) bool {
		return strings.HasPrefix(strings.ToLower(c.Petname), q) ||
			strings.HasPrefix(strings.ToLower(c.Card.Pseudonym), q) ||
			strings.HasPrefix(c.ID().String(), q)
	})
	if len(matches) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, query)
	}
	best := pick(matches, func(c *Contact) bool { return strings.ToLower(c.Card.Pseudonym) == q })
	if len(best) == 0 {
		best = matches
	}
	if len(best) == 1 && (best[0].Verified == InPerson ||
		len(pick(matches, func(c *Contact) bool { return c.Verified == InPerson })) == 0) {
		return best[0], nil
	}
	// Several best matches, or one that is not verified while a verified
	// contact also matches: list them all.
	if len(best) > 1 {
		return nil, ambiguousContacts(query, best)
	}
	return nil, ambiguousContacts(query, matches)
}

// updateContact applies change to the stored contact with id.
func (s *Service) updateContact(id identity.ID, change func(c *Contact) error) (*Contact, error) {
	var out *Contact
	err := s.db.Update(func(tx *store.Tx) error {
		c, err := getContact(tx, id)
		if err != nil {
			return err
		}
		if err := change(c); err != nil {
			return err
		}
		out = c
		return putContact(tx, c)
	})
	return out, err
}

// VerifyContact marks a contact as verified in person. Call it only after
// both people compared the safety code and it matched.
func (s *Service) VerifyContact(id identity.ID) (*Contact, error) {
	return s.updateContact(id, func(c *Contact) error {
		c.Verified = InPerson
		return nil
	})
}

// RenameContact sets the private name this device shows for a contact.
func (s *Service) RenameContact(id identity.ID, name string) (*Contact, error) {
	name, err := normalizePetname(name)
	if err != nil {
		return nil, err
	}
	return s.updateContact(id, func(c *Contact) error {
		c.Petname = name
		return nil
	})
}

// SetBlocked blocks or unblocks a contact. A blocked person gets nothing
// from this device and their ratings do not count in its scores.
func (s *Service) SetBlocked(id identity.ID, blocked bool) (*Contact, error) {
	return s.updateContact(id, func(c *Contact) error {
		c.Blocked = blocked
		return nil
	})
}

// RemoveContact forgets a contact. A guardian of mine is not forgotten
// (ErrIsGuardian): choose other guardians first.
func (s *Service) RemoveContact(id identity.ID) error {
	return s.db.Update(func(tx *store.Tx) error {
		if _, err := getContact(tx, id); err != nil {
			return err
		}
		if err := refuseGuardian(tx, id); err != nil {
			return err
		}
		return deleteContact(tx, id)
	})
}

// SafetyCode returns the code that both people see for my card and theirs.
func (s *Service) SafetyCode(c *Contact) string {
	return identity.SafetyCode(s.me().Card, c.Card)
}
