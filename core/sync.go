package core

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/identity"
	"trustdesk/internal/words"
	"trustdesk/store"
)

// bucketPeer holds what this device knows each contact has of each cell:
// group = the contact's id, key = the cell id.
const bucketPeer = "peer"

// Errors about sync files.
var (
	// ErrBlocked means the other person is blocked on this device.
	ErrBlocked = errors.New("that person is blocked")
	// ErrCardReplaced means the other card was replaced by a new one in
	// one of my cells: whoever holds it now is not, or not only, the
	// person (crdt/SCHEMA.md §4.5).
	ErrCardReplaced = errors.New("that card was replaced by a new one: whoever holds the old card now may not be that person")
	// ErrUnknownSender means a sync file comes from someone this device
	// knows neither as a contact nor from a shared cell.
	ErrUnknownSender = errors.New("sync file from someone you do not know")
	// ErrNobodyToSend means an export has no recipients left.
	ErrNobodyToSend = errors.New("nobody to send to")
	// ErrNotYourCell means a sync file carries a cell this device neither
	// has nor is a member of.
	ErrNotYourCell = errors.New("sync file carries a cell you are not in")
	// ErrBusy means the cells a sync file touches kept changing on this
	// device while the file was being checked, so it was not taken in.
	ErrBusy = errors.New("the cells kept changing while the sync file was checked")
)

// ExportRequest says what to put in a sync file.
type ExportRequest struct {
	// To is the one person to send to; nil means every current member of
	// Cells.
	To *identity.ID
	// Cells are the cells to send. With To and no Cells: every cell both
	// of us are current members of.
	Cells []crdt.CellID
}

// ExportResult is a sync file ready to be saved, pasted or shown.
type ExportResult struct {
	// Data is the binary sync file.
	Data []byte
	// Recipients are the people who can open it.
	Recipients []Person
	// Cells says what each cell contributed.
	Cells []CellExport
	// Statements is the number of new entries the file carries.
	Statements int
}

// CellExport is one cell's part of an export.
type CellExport struct {
	ID   crdt.CellID
	Name string
	// Statements is the number of entries sent for the cell.
	Statements int
	// Full is true when the whole cell was sent, because this device did
	// not know what the recipients have.
	Full bool
}

// peerKnowledge is what a contact told us they have of a cell.
type peerKnowledge struct {
	Heads   [][]byte `cbor:"1,keyasint"`
	Created int64    `cbor:"2,keyasint"`
}

func getKnowledge(tx *store.Tx, peer identity.ID, cell crdt.CellID) ([]crdt.ChangeHash, int64, error) {
	b, err := tx.Get(bucketPeer, peer[:], cell[:])
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	var k peerKnowledge
	if err := cbor.Unmarshal(b, &k); err != nil {
		return nil, 0, fmt.Errorf("read sync knowledge: %w", err)
	}
	heads := make([]crdt.ChangeHash, 0, len(k.Heads))
	for _, h := range k.Heads {
		if len(h) == len(crdt.ChangeHash{}) {
			heads = append(heads, crdt.ChangeHash(h))
		}
	}
	return heads, k.Created, nil
}

func putKnowledge(tx *store.Tx, peer identity.ID, cell crdt.CellID, heads []crdt.ChangeHash, created time.Time) error {
	k := peerKnowledge{Created: created.Unix()}
	for _, h := range heads {
		k.Heads = append(k.Heads, h[:])
	}
	b, err := cborEnc.Marshal(k)
	if err != nil {
		return err
	}
	return tx.Put(bucketPeer, peer[:], cell[:], b)
}

// Export makes a sync file. A person only ever receives cells they are a
// current member of; blocked and excluded people, and cards replaced by
// a new one in one of my cells, receive nothing.
func (s *Service) Export(req ExportRequest) (*ExportResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res *ExportResult
	err := s.afresh(func() (err error) {
		res, err = s.export(req)
		return err
	})
	return res, err
}

// export makes the sync file of Export from the cells as stored now. The
// caller holds s.mu.
func (s *Service) export(req ExportRequest) (*ExportResult, error) {
	all, err := s.loadCells()
	if err != nil {
		return nil, err
	}
	me := s.me().Card.ID()
	res := &ExportResult{}
	var recipients []*identity.Card
	var cells []*crdt.Cell
	var known map[identity.ID]map[crdt.CellID][]crdt.ChangeHash
	file := &export.File{Cells: []export.Cell{}}

	err = s.db.View(func(tx *store.Tx) error {
		blocked, err := blockedContacts(tx)
		if err != nil {
			return err
		}
		// What goes to a replaced card goes to whoever holds it now
		// (TestAttackOldCardStillReceives).
		replaced := replacedCards(all, me)
		if req.To != nil && replaced[*req.To] {
			return ErrCardReplaced
		}
		for id := range replaced {
			blocked[id] = true
		}
		if cells, err = namedCells(all, req.Cells, func(st *crdt.State) bool { return sendsCell(st, me) }); err != nil {
			return err
		}
		if req.To != nil {
			recipients, cells, err = s.exportTo(tx, all, cells, *req.To, file)
		} else {
			recipients, err = cellRecipients(cells, me, blocked)
		}
		if err != nil {
			return err
		}
		if len(cells) > 0 {
			if err := s.recoveryOut(tx, recipients, file); err != nil {
				return err
			}
		}
		if known, err = knownHeads(tx, recipients, cells); err != nil {
			return err
		}
		names, err := s.names(tx, all)
		if err != nil {
			return err
		}
		for _, r := range recipients {
			res.Recipients = append(res.Recipients, person(names, r.ID()))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Every card a recipient needs is published in the cells themselves
	// (admissions and card statements), so the file carries no extra cards.
	for _, c := range cells {
		var since [][]crdt.ChangeHash
		for _, r := range recipients {
			since = append(since, known[r.ID()][c.ID()])
		}
		fc, ce, err := cellForFile(c, since)
		if err != nil {
			return nil, err
		}
		file.Cells = append(file.Cells, fc)
		res.Cells = append(res.Cells, ce)
		res.Statements += ce.Statements
	}
	data, err := export.Seal(s.me(), recipients, file, export.SealOptions{Now: s.opt.now()})
	if err != nil {
		return nil, err
	}
	res.Data = data
	return res, nil
}

// blockedContacts returns the people I blocked.
func blockedContacts(tx *store.Tx) (map[identity.ID]bool, error) {
	contacts, err := listContacts(tx)
	if err != nil {
		return nil, err
	}
	blocked := map[identity.ID]bool{}
	for _, c := range contacts {
		if c.Blocked {
			blocked[c.ID()] = true
		}
	}
	return blocked, nil
}

// namedCells returns the cells of ids, each one where may holds (my
// standing there allows what is asked).
func namedCells(all map[crdt.CellID]*crdt.Cell, ids []crdt.CellID, may func(*crdt.State) bool) ([]*crdt.Cell, error) {
	var cells []*crdt.Cell
	for _, id := range ids {
		c, ok := all[id]
		if !ok {
			return nil, ErrNoSuchCell
		}
		if st := c.State(); !may(st) {
			return nil, fmt.Errorf("%w: %s", ErrNotInCell, st.Name)
		}
		cells = append(cells, c)
	}
	return cells, nil
}

// sendsCell reports whether I make sync files of a cell: while I am a
// member, and after I left it, so that my departure reaches the others
// (until it does, they go on sending me the cell). What I say after
// leaving counts for nothing there (crdt/SCHEMA.md §4.4).
func sendsCell(st *crdt.State, me identity.ID) bool {
	if st.IsMember(me) {
		return true
	}
	m, ok := st.Member(me)
	return ok && m.Status == crdt.StatusLeft
}

// exportTo checks a sync file for one contact: it returns them as the only
// recipient and the cells to send them, every cell we share if none were
// named. With no shared cell, a file goes only if it carries recovery
// pieces, which exportTo then puts into file.
func (s *Service) exportTo(tx *store.Tx, all map[crdt.CellID]*crdt.Cell, cells []*crdt.Cell, id identity.ID, file *export.File) ([]*identity.Card, []*crdt.Cell, error) {
	me := s.me().Card.ID()
	to, err := getContact(tx, id)
	if err != nil {
		return nil, nil, err
	}
	if to.Blocked {
		return nil, nil, ErrBlocked
	}
	recipients := []*identity.Card{to.Card}
	if len(cells) == 0 {
		for _, c := range sortedCells(all) {
			if st := c.State(); sendsCell(st, me) && st.Receives(to.ID()) {
				cells = append(cells, c)
			}
		}
		if len(cells) == 0 {
			// Recovery pieces travel even without a shared cell.
			if err := s.recoveryOut(tx, recipients, file); err != nil {
				return nil, nil, err
			}
			concerns, err := s.concernsRecovery(tx, to.ID())
			if err != nil {
				return nil, nil, err
			}
			if !concerns {
				return nil, nil, noCellToSend(all, to, me)
			}
		}
	}
	for _, c := range cells {
		if st := c.State(); !st.Receives(to.ID()) {
			return nil, nil, notSent(st, to)
		}
	}
	return recipients, cells, nil
}

// noCellToSend is the error for a sync file to to when no cell of mine
// goes to them: that they were excluded from or left a cell I send, if
// they did (the first such, by cell id), else [ErrNoCellToSend].
func noCellToSend(all map[crdt.CellID]*crdt.Cell, to *Contact, me identity.ID) error {
	for _, c := range sortedCells(all) {
		st := c.State()
		if m, ok := st.Member(to.ID()); ok && sendsCell(st, me) && (m.Status == crdt.StatusExcluded || m.Status == crdt.StatusLeft) {
			return notSent(st, to)
		}
	}
	return ErrNoCellToSend
}

// NotSentError means a sync file for one person cannot carry a cell
// because they are not a member of it who receives it: Status says why
// (excluded, left, waiting for vouches; empty if they were never
// admitted). It is an [ErrNoCellToSend].
type NotSentError struct {
	Person, Cell string
	Status       crdt.Status
}

func (e *NotSentError) Error() string {
	return "export: " + e.Person + " " + e.standing()
}

// Is makes e an [ErrNoCellToSend] (and so an [ErrNoSharedCell]).
func (e *NotSentError) Is(target error) bool {
	return target == ErrNoCellToSend || target == ErrNoSharedCell
}

// standing says what e.Person is in e.Cell, after their name.
func (e *NotSentError) standing() string {
	switch e.Status {
	case crdt.StatusExcluded:
		return "was excluded from " + e.Cell
	case crdt.StatusLeft:
		return "left " + e.Cell
	case crdt.StatusPending:
		return "is still waiting for vouches in " + e.Cell
	}
	return "is not a member of " + e.Cell
}

// sentence says e in plain words: who, why, and what it means.
func (e *NotSentError) sentence() string {
	switch e.Status {
	case crdt.StatusExcluded, crdt.StatusLeft:
		return e.Person + " " + e.standing() + ", so nothing of that cell goes to them any more."
	case crdt.StatusPending:
		return e.Person + " " + e.standing() + ": the cell goes to them once they are a member."
	}
	return e.Person + " " + e.standing() + ", so a sync file of that cell does not go to them."
}

// notSent is the error for a sync file of cell st to to, who does not
// receive it.
func notSent(st *crdt.State, to *Contact) error {
	e := &NotSentError{Person: to.Name(), Cell: st.Name}
	if m, ok := st.Member(to.ID()); ok {
		e.Status = m.Status
	}
	return e
}

// cellRecipients returns everyone who is a current member of every cell
// named, but me and the people I blocked.
func cellRecipients(cells []*crdt.Cell, me identity.ID, blocked map[identity.ID]bool) ([]*identity.Card, error) {
	if len(cells) == 0 {
		return nil, ErrNoSuchCell
	}
	var recipients []*identity.Card
	for _, id := range cells[0].State().Recipients() {
		if id == me || blocked[id] {
			continue
		}
		inAll := true
		for _, c := range cells[1:] {
			inAll = inAll && c.State().Receives(id)
		}
		if card := cells[0].State().Cards[id]; inAll && card != nil {
			recipients = append(recipients, card)
		}
	}
	if len(recipients) == 0 {
		return nil, ErrNobodyToSend
	}
	return recipients, nil
}

// knownHeads returns, per recipient and cell, the heads their own files
// told me they have (none if unknown).
func knownHeads(tx *store.Tx, recipients []*identity.Card, cells []*crdt.Cell) (map[identity.ID]map[crdt.CellID][]crdt.ChangeHash, error) {
	known := map[identity.ID]map[crdt.CellID][]crdt.ChangeHash{}
	for _, r := range recipients {
		known[r.ID()] = map[crdt.CellID][]crdt.ChangeHash{}
		for _, c := range cells {
			heads, _, err := getKnowledge(tx, r.ID(), c.ID())
			if err != nil {
				return nil, err
			}
			known[r.ID()][c.ID()] = heads
		}
	}
	return known, nil
}

// cellForFile returns what a sync file carries of c for recipients who
// have the heads in since (one entry per recipient), and how it counts.
func cellForFile(c *crdt.Cell, since [][]crdt.ChangeHash) (export.Cell, CellExport, error) {
	full := slices.ContainsFunc(since, func(h []crdt.ChangeHash) bool { return len(h) == 0 })
	var chunk []byte
	var n int
	var err error
	if full {
		// Someone may have nothing: the whole document is the most
		// compact way to send everything.
		if chunk, err = c.Document(); err != nil {
			return export.Cell{}, CellExport{}, err
		}
		// Every entry, counted or not, as diffCell counts them; the
		// state has it without reading the statements back.
		st := c.State()
		n = st.Counted + len(st.Invalid)
	} else if chunk, n, err = c.ChangesMissing(since); err != nil {
		return export.Cell{}, CellExport{}, err
	}
	fc := export.Cell{ID: c.ID(), Heads: c.Heads(), Changes: chunk}
	if len(since) == 1 {
		fc.Since = since[0]
	}
	return fc, CellExport{ID: c.ID(), Name: c.State().Name, Statements: n, Full: full}, nil
}

func sortedCells(all map[crdt.CellID]*crdt.Cell) []*crdt.Cell {
	out := make([]*crdt.Cell, 0, len(all))
	for _, c := range all {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *crdt.Cell) int { return strings.Compare(a.ID().String(), b.ID().String()) })
	return out
}

// ImportSummary says in plain terms what a sync file brings.
type ImportSummary struct {
	// From is the sender.
	From Person
	// Cells lists what changes in each cell the file carries.
	Cells []CellChanges
	// NewStatements is the number of entries this device did not have.
	NewStatements int
	// Renamed is the sender, a contact of my own doing known by their
	// card's name, when the newer card they send the file with bears
	// another name (as CellChanges.Renamed).
	Renamed []RenamedCard
	// SenderReplaced is set when the sender's card was replaced by a new
	// one in a cell of mine: the file is taken in, but what that card
	// says counts for nothing in my scores and nothing is sent to it
	// (crdt/SCHEMA.md §4.5).
	SenderReplaced bool
	// Recovery is what the file changed about recovery pieces, or nil.
	Recovery *RecoveryNews
	// LeftOut says which invitations the file brought and the import
	// did not take in (see [MaxWaitingInvitations]), or nil.
	LeftOut *LeftOut
	// Forked lists, once each, the people whom the file shows signing
	// two different versions of their history in a cell, which the
	// cell as held did not (crdt/SCHEMA.md §4.9, core/forked.go).
	Forked []Person
	// NamedLike lists the cards new to this device named like a contact
	// verified in person (see [NamedLike]).
	NamedLike []NamedLike
}

// CellChanges is what a sync file changes in one cell.
type CellChanges struct {
	ID            crdt.CellID
	Name          string
	NewCell       bool
	NewStatements int
	NewRatings    int
	NewMembers    []Person
	Excluded      []Person
	Left          []Person
	NewVotes      int
	// VotedAgainstMe lists the people whose new open votes (among
	// NewVotes) are to exclude me: a member voted out elsewhere may
	// answer with votes against those who voted, and "3 votes to
	// exclude" would hide that one is against me.
	VotedAgainstMe []Person
	Rejected       int
	// Undone lists people whose exclusion this file undoes on this
	// device: they were excluded before and are not now.
	Undone []Person
	// NoLongerMembers lists people who were members on this device and
	// are not now, though nobody excluded them and they did not leave:
	// what admitted them no longer counts (crdt/SCHEMA.md §4.7).
	NoLongerMembers []Person
	// InvitationsEnded lists people who were invited (or waiting for
	// vouches) on this device and are not now, though they were not
	// excluded: what invited them no longer counts.
	InvitationsEnded []Person
	// SetAside lists, by author, the entries that this file brings or
	// that counted before and do not count now (Rejected in all).
	SetAside []SetAside
	// Invited lists people newly invited; InvitedMe is true when I am.
	Invited   []Person
	InvitedMe bool
	// Rules is the cell's new policy when the file changes it.
	Rules *crdt.Policy
	// RulesVotes are the votes for new rules this file brings that are
	// open now (not yet enough to change the rules).
	RulesVotes []RulesVote
	// Replaced lists people whose card this file replaces by a new one
	// (their old card counts no more; crdt/SCHEMA.md §4.5).
	Replaced []ReplacedCard
	// ReplacementUndone lists people whose replacement held on this
	// device counts no more (a competing replacement arrived: neither
	// counts, or the other one, then also in Replaced); ReplacementRefused lists people whose card this
	// file tries to replace without enough of their guardians, or after
	// it was replaced already.
	ReplacementUndone  []Person
	ReplacementRefused []Person
	// Renamed lists contacts of my own doing, known by their card's name,
	// whose newer card in this file bears another name (To): they stay
	// shown by the name I know them by (core/cells.go, pinName).
	Renamed []RenamedCard
	// OnlyInvited is true when I am invited to the cell and have not
	// joined it: a replacement there changes nothing about the person on
	// this device (core/succession.go, followReplacements), and a thief
	// holding someone's card can make such a cell with fakes as their
	// guardians, so the summary says so.
	OnlyInvited bool
}

// RulesVote is the people who voted for the same new rules.
type RulesVote struct {
	Voters []Person
	Policy crdt.Policy
	// Keep is true when Policy is the rules in force (see
	// [PolicyVoteView.Keep]).
	Keep bool
}

// SetAside is how many entries of one author stopped counting, or never
// counted, with this file.
type SetAside struct {
	// Person is the author; zero for entries that cannot be read.
	Person
	Count int
	// Excluded is true when the author is excluded from the cell.
	Excluded bool
}

// shownNames is how many names a summary lists before "and N others":
// a file that changes thousands of people still reads as one sentence.
const shownNames = 5

// Names lists ps by name as "Ana, Bo and Cy", at most a few of them and
// then how many others: "Ana, Bo, Cy, Di, Eve and 2,495 others".
func Names(ps []Person) string {
	var out []string
	for i, p := range ps {
		if i == shownNames && len(ps) > shownNames+1 {
			out = append(out, words.Count(len(ps)-shownNames, "other", "others"))
			break
		}
		out = append(out, p.Name)
	}
	return words.JoinAnd(out)
}

// StandingPhrases says in plain words what c changes about who is in
// the cell and its rules beyond new members, departures, exclusions and
// rules in force: exclusions undone, memberships that no longer count,
// open votes for new rules, and entries set aside.
func (c *CellChanges) StandingPhrases() []string {
	var what []string
	switch n := len(c.Undone); {
	case n == 1:
		what = append(what, possessive(c.Undone[0])+" exclusion was undone")
	case n > 1:
		what = append(what, "the exclusions of "+Names(c.Undone)+" were undone")
	}
	switch n := len(c.NoLongerMembers); {
	case n == 1:
		what = append(what, isNow(c.NoLongerMembers[0], "no longer a member")+" (what let them in does not count)")
	case n > 1:
		what = append(what, Names(c.NoLongerMembers)+" are no longer members (what let them in does not count)")
	}
	switch n := len(c.InvitationsEnded); {
	case n == 1:
		what = append(what, possessive(c.InvitationsEnded[0])+" invitation no longer counts")
	case n > 1:
		what = append(what, "the invitations of "+Names(c.InvitationsEnded)+" no longer count")
	}
	for _, v := range c.RulesVotes {
		if v.Keep {
			what = append(what, Names(v.Voters)+" voted to "+KeepRules)
			continue
		}
		what = append(what, Names(v.Voters)+" voted for new rules ("+RulesSentence(v.Policy)+")")
	}
	return append(what, setAsidePhrases(c.setAsideWhy())...)
}

// setAsideWhy is c.SetAside without the reason "because they are
// excluded" for the authors this file excludes: the summary says that
// already ("Mal excluded"), and saying it twice reads as two events.
func (c *CellChanges) setAsideWhy() []SetAside {
	out := slices.Clone(c.SetAside)
	for i, a := range out {
		if a.Excluded && slices.ContainsFunc(c.Excluded, func(p Person) bool { return p.ID == a.ID }) {
			out[i].Excluded = false
		}
	}
	return out
}

// possessive is "Ana's", or "your" for me (the name book calls me "you"
// and nobody else).
func possessive(p Person) string {
	if p.Name == "you" {
		return "your"
	}
	return p.Name + "'s"
}

// isNow is "Ana is what", or "you are what" for me.
func isNow(p Person, what string) string {
	if p.Name == "you" {
		return "you are " + what
	}
	return p.Name + " is " + what
}

// setAsidePhrases says in plain words which entries do not count: one
// author's with why, or many authors' in one phrase.
func setAsidePhrases(all []SetAside) []string {
	var what []string
	var authors []Person
	total := 0
	for _, a := range all {
		if a.ID == (identity.ID{}) {
			what = append(what, a.phrase())
			continue
		}
		authors = append(authors, a.Person)
		total += a.Count
	}
	switch {
	case len(authors) == 1:
		for _, a := range all {
			if a.ID != (identity.ID{}) {
				what = append(what, a.phrase())
			}
		}
	case len(authors) > 1:
		what = append(what, words.Count(total, "update", "updates")+" from "+Names(authors)+" do not count")
	}
	return what
}

// phrase says in plain words that a's entries do not count, and why
// when the author is excluded.
func (a SetAside) phrase() string {
	if a.ID == (identity.ID{}) {
		return words.Count(a.Count, "damaged update does", "damaged updates do") + " not count"
	}
	n := words.Count(a.Count, "update", "updates")
	verb := " does not count"
	if a.Count != 1 {
		verb = " do not count"
	}
	if a.Excluded {
		return n + " from " + a.Name + verb + " because " + a.Name + " is excluded"
	}
	return n + " from " + a.Name + verb
}

// A RenamedCard is a contact whose newer card bears another name.
type RenamedCard struct {
	Person
	To string
}

// phrase says in plain words what the newer card changes.
func (p RenamedCard) phrase() string {
	return fmt.Sprintf("%s now calls themselves %q on their card (still shown as %s, the name you know them by)", p.Name, p.To, p.Name)
}

// A ReplacedCard is a person whose card was replaced, and how many of
// their guardians confirmed the new one.
type ReplacedCard struct {
	Person
	Guardians int
	// Rival is true when another of my cells holds a replacement of the
	// same card by a different new card, or this cell did before: one of
	// the two is not the person's (core/succession.go,
	// followReplacements).
	Rival bool
	// StillIn lists, by name, my other cells (joined) where the old card
	// is still a member: there whoever holds it now can still act and
	// receive (core/oldcards.go).
	StillIn []string
}

// ReplacementPhrases says in plain words what c changes about people's
// cards: replaced, or bearing another name.
func (c *CellChanges) ReplacementPhrases() []string {
	var what []string
	for _, p := range c.Renamed {
		what = append(what, p.phrase())
	}
	if len(c.Replaced)+len(c.ReplacementUndone)+len(c.ReplacementRefused) > shownNames {
		return append(what, c.manyReplacementPhrases()...)
	}
	for _, p := range c.Replaced {
		replaced := fmt.Sprintf("%s's card was replaced by a new one, confirmed by %s", p.Name, words.Count(p.Guardians, "of their guardians", "of their guardians"))
		if c.OnlyInvited {
			// Only the cell's members say so, and I am not one of them.
			replaced = "a claim that " + replaced + " (nothing changes on this computer: you have not joined)"
		}
		if p.Rival && !c.OnlyInvited {
			replaced += ", but it was replaced by another new card too (here or in another of your cells): of two different new cards one is not theirs, and neither is verified in person on this computer until you ask them face to face"
		}
		if len(p.StillIn) > 0 && !c.OnlyInvited {
			replaced += "; their old card is still a member of " + words.JoinAnd(p.StillIn)
			if p.Rival {
				replaced += ": meet them in person before anyone votes it out"
			} else {
				replaced += ", where whoever holds it now can still act: the cell's page says what to do"
			}
		}
		what = append(what, replaced)
	}
	for _, p := range c.ReplacementUndone {
		if c.OnlyInvited {
			// This computer never took the replacement from a cell I
			// have not joined: nothing of it is undone here.
			continue
		}
		what = append(what, "the replacement of "+p.Name+"'s card that this computer had taken no longer counts: another replacement of their card arrived")
	}
	for _, p := range c.ReplacementRefused {
		what = append(what, "an attempt to replace "+p.Name+"'s card was refused (not enough of their guardians confirmed it, or the card was replaced already)")
	}
	return what
}

// manyReplacementPhrases is ReplacementPhrases for a file that replaces,
// or tries to replace, many cards (fakes that replace their own): a few
// names and how many others in each phrase, so the summary stays one
// sentence.
func (c *CellChanges) manyReplacementPhrases() []string {
	var what []string
	var all, rivals, stillIn []Person
	for _, p := range c.Replaced {
		all = append(all, p.Person)
		if p.Rival {
			rivals = append(rivals, p.Person)
		}
		if len(p.StillIn) > 0 {
			stillIn = append(stillIn, p.Person)
		}
	}
	switch {
	case len(all) > 0 && c.OnlyInvited:
		what = append(what, "a claim that the cards of "+Names(all)+" were replaced by new ones (nothing changes on this computer: you have not joined)")
	case len(all) > 0:
		what = append(what, "the cards of "+Names(all)+" were replaced by new ones, confirmed by their guardians")
		if len(rivals) > 0 {
			what = append(what, "the cards of "+Names(rivals)+" were replaced by other new cards too: of two different new cards one is not theirs, so meet them in person")
		}
		if len(stillIn) > 0 {
			what = append(what, "the old cards of "+Names(stillIn)+" are still members of other cells of yours, where whoever holds them now can still act: the cells' pages say what to do")
		}
	}
	if len(c.ReplacementUndone) > 0 && !c.OnlyInvited {
		what = append(what, "the replacements of the cards of "+Names(c.ReplacementUndone)+" that this computer had taken no longer count: other replacements of their cards arrived")
	}
	if len(c.ReplacementRefused) > 0 {
		what = append(what, "attempts to replace the cards of "+Names(c.ReplacementRefused)+" were refused (not enough of their guardians confirmed them, or the cards were replaced already)")
	}
	return what
}

// Nothing reports whether the file brings nothing new.
func (s *ImportSummary) Nothing() bool {
	return s.NewStatements == 0 && s.Recovery.empty() && s.LeftOut.empty() && len(s.Renamed) == 0
}

// Unchanged reports whether taking the file in changes nothing: it
// brings nothing new, or only invitations that are left out (a cell it
// removes is a change).
func (s *ImportSummary) Unchanged() bool {
	return s.NewStatements == 0 && s.Recovery.empty() && (s.LeftOut == nil || s.LeftOut.Removed == 0) && len(s.Renamed) == 0
}

// senderPhrases says what the file changed about its sender: their new
// name, if any, and recovery pieces, as phrases of the summary sentence.
func (s *ImportSummary) senderPhrases() []string {
	var out []string
	for _, p := range s.Renamed {
		out = append(out, p.phrase())
	}
	if s.SenderReplaced {
		out = append(out, "their card was replaced by a new one: what it says counts for nothing in your scores, and nothing is sent to it")
	}
	r := s.Recovery
	if r.empty() {
		return out
	}
	if r.HeldFor != "" {
		out = append(out, fmt.Sprintf("you hold a recovery piece for %s now", r.HeldFor))
	}
	if r.Forgot != "" {
		out = append(out, fmt.Sprintf("%s chose other guardians, so the recovery piece you held for them is gone", r.Forgot))
	}
	if r.Reached != "" {
		out = append(out, fmt.Sprintf("%s holds your recovery piece now", r.Reached))
	}
	if r.Progress != nil {
		out = append(out, r.Progress.phrase())
	}
	if r.Asked != "" {
		out = append(out, fmt.Sprintf("%s asks you to agree to their new guardians: agree only when you meet them in person and the code on both screens is the same", r.Asked))
	}
	if r.FromOldCard != "" {
		out = append(out, fmt.Sprintf("what %s said about their recovery pieces or guardians was left out: that card was replaced by a new one, and whoever holds it now may not be them", r.FromOldCard))
	}
	if r.Unmet != "" {
		out = append(out, fmt.Sprintf("the recovery piece from %s was not taken: you have not met them in person on this computer (meet them, compare the safety code, then take the file in again)", r.Unmet))
	}
	if r.Agreed != "" {
		out = append(out, fmt.Sprintf("%s agreed to your new guardians", r.Agreed))
	}
	if r.Changed {
		out = append(out, "enough of your guardians agreed: your new guardians are in place")
	}
	if r.NotChanged {
		out = append(out, "enough of your guardians agreed, but one of your new guardians is no longer someone you verified in person and did not block, so the change was not made: choose your guardians again")
	}
	return out
}

// String says what the file brings, in one plain sentence.
func (s *ImportSummary) String() string {
	if s.Nothing() {
		return fmt.Sprintf("from %s: nothing new", s.From.Name)
	}
	if s.NewStatements == 0 {
		return fmt.Sprintf("from %s: %s", s.From.Name, strings.Join(append(s.senderPhrases(), s.LeftOut.phrases()...), "; "))
	}
	var parts []string
	for _, c := range s.Cells {
		if c.NewStatements == 0 {
			continue
		}
		var what []string
		if c.InvitedMe {
			what = append(what, "an invitation for you to join")
		} else if c.NewCell {
			what = append(what, "the cell itself")
		}
		// Who is out comes first: what no longer counts because of it
		// follows ("Mal excluded and 3 updates from Mal do not count").
		if len(c.Excluded) == 1 && c.Excluded[0].Name == "you" {
			what = append(what, "you were excluded")
		} else if len(c.Excluded) > 0 {
			what = append(what, Names(c.Excluded)+" excluded")
		}
		if len(c.Left) > 0 {
			what = append(what, Names(c.Left)+" left")
		}
		what = append(what, c.StandingPhrases()...)
		what = append(what, c.ReplacementPhrases()...)
		if c.Rules != nil {
			what = append(what, "new rules ("+RulesSentence(*c.Rules)+")")
		}
		if len(c.Invited) > 0 {
			what = append(what, Names(c.Invited)+" invited")
		}
		if c.NewRatings > 0 {
			what = append(what, words.Count(c.NewRatings, "new rating", "new ratings"))
		}
		if n := len(c.NewMembers); n > 0 {
			what = append(what, words.Count(n, "new member", "new members"))
		}
		what = append(what, c.VotesPhrases()...)
		if len(what) == 0 {
			what = append(what, words.Count(c.NewStatements, "update", "updates"))
		}
		parts = append(parts, words.JoinAnd(what)+" in "+c.Name)
	}
	parts = append(parts, s.forkedPhrase()...)
	parts = append(parts, s.namedLikePhrase()...)
	parts = append(parts, s.senderPhrases()...)
	parts = append(parts, s.LeftOut.phrases()...)
	return fmt.Sprintf("from %s: %s", s.From.Name, strings.Join(parts, "; "))
}

// namedLikePhrase says in plain words that the new cards named like a
// verified contact are other people: one sentence however many there
// are, naming a few of them.
func (s *ImportSummary) namedLikePhrase() []string {
	switch len(s.NamedLike) {
	case 0:
		return nil
	case 1:
		n := s.NamedLike[0]
		return []string{fmt.Sprintf("a new card calls itself %s, like your verified contact %s: they are not the same person", n.Card.Name, n.Like.Name)}
	}
	// Each name once: ten thousand cards called Mir read "Mir".
	var cards, likes []Person
	seenName, seen := map[string]bool{}, map[identity.ID]bool{}
	for _, n := range s.NamedLike {
		if !seenName[n.Card.Name] {
			seenName[n.Card.Name] = true
			cards = append(cards, n.Card)
		}
		if !seen[n.Like.ID] {
			seen[n.Like.ID] = true
			likes = append(likes, n.Like)
		}
	}
	contact := "your verified contact "
	if len(likes) > 1 {
		contact = "your verified contacts "
	}
	return []string{fmt.Sprintf("%s new cards (%s) call themselves like %s%s: they are other people", words.Number(len(s.NamedLike)), Names(cards), contact, Names(likes))}
}

// A MissingPastError refuses a sync file whose changes of a cell build on
// changes this device does not have: the sender believed this device held
// more than it does (the card came back on a new device, or an earlier
// file was missed). Nothing was changed. A sync file from this device to
// the sender tells them what it holds, and their next file brings the
// rest.
type MissingPastError struct {
	// From is the sender's name; Cell is the cell's name, empty when
	// this device does not hold the cell at all.
	From, Cell string
}

func (e *MissingPastError) Error() string {
	cell := "a cell this device does not hold"
	if e.Cell != "" {
		cell = e.Cell
	}
	return fmt.Sprintf("import sync file from %s: %s: %v", e.From, cell, crdt.ErrMissingPast)
}

// Unwrap returns [crdt.ErrMissingPast].
func (e *MissingPastError) Unwrap() error { return crdt.ErrMissingPast }

// pendingImport is a checked sync file, ready to be applied.
type pendingImport struct {
	file     *export.File
	recovery *recoveryIn
	sender   *identity.Card
	cells    []*crdt.Cell // the resulting cells, not yet stored
	summary  *ImportSummary
	// leftOut are the cells of the file not taken in (invitations).
	leftOut map[crdt.CellID]bool
	// ended are the cells held that voted me out before I accepted: the
	// import removes them (see takeNewCell).
	ended map[crdt.CellID]bool
	// forkedSaid are the people the summary already says forked their
	// history (noteForked): once each, whatever the cells.
	forkedSaid map[identity.ID]bool
	// newCards are the people whose cards the cells taken in bring to
	// this device for the first time, or name anew (nameBook.learn).
	newCards []identity.ID
}

// PreviewImport checks a sync file completely (decryption, sender,
// recipients, every cell change in a child process) and says what it would
// change, without changing anything. The check runs without holding the
// service's lock, so other calls (a screen reading the cells) go on
// meanwhile.
func (s *Service) PreviewImport(ctx context.Context, data []byte) (*ImportSummary, error) {
	base, err := s.cellsNow()
	if err != nil {
		return nil, err
	}
	p, err := s.prepareImport(ctx, data, base)
	if err != nil {
		return nil, err
	}
	// What the file would change about recovery pieces: worked out in a
	// write transaction that is always rolled back.
	errPreview := errors.New("preview only")
	err = s.db.Update(func(tx *store.Tx) error {
		p.recovery.fromOldCard = replacedCards(base, s.me().Card.ID())[p.sender.ID()]
		news, _, err := s.applyRecovery(tx, p.file, p.recovery, p.summary.From.Name)
		if err != nil {
			return err
		}
		if !news.empty() {
			p.summary.Recovery = news
		}
		return errPreview
	})
	if !errors.Is(err, errPreview) {
		return nil, err
	}
	return p.summary, nil
}

// maxImportTries bounds how often Import checks a file again because a
// cell it touches changed on this device while it was being checked.
const maxImportTries = 5

// changeAfterImport makes the change of my guardians that waits if enough
// of them agreed, and says so in sum. Not only when the file brought an
// agreement: a program killed after the import that took the last one
// in, or a new guardian blocked then and unblocked since, left the change
// waiting with enough agreements, and taking any file in (that agreement
// again) makes it (TestChangeOfGuardiansLeftWaiting). The file is taken in
// either way: a new guardian no longer verified or now blocked is said in
// the summary of the file that brought an agreement, not as a failure.
func (s *Service) changeAfterImport(sum *ImportSummary) error {
	changed, err := s.applyChange()
	brought := sum.Recovery != nil && sum.Recovery.Agreed != ""
	if errors.Is(err, ErrGuardians) || errors.Is(err, ErrNotFound) {
		// A new guardian is no longer one I verified in person and did
		// not block, or no longer a contact at all.
		if brought {
			sum.Recovery.NotChanged = true
		}
		return nil
	}
	if err != nil && !brought {
		// The file was taken in; the change waits for a later one, as
		// it did before, and is said where guardians are listed.
		return nil
	}
	if err != nil || !changed {
		return err
	}
	if sum.Recovery == nil {
		sum.Recovery = &RecoveryNews{}
	}
	sum.Recovery.Changed = true
	return nil
}

// Import checks a sync file completely, then applies all of it in one
// transaction, or nothing. Importing the same file again changes nothing.
//
// The check (decryption and the child process) runs without holding the
// service's lock, on the cells as they were when it began, so the screens
// never wait for it. The lock is taken only to apply the result, and only
// if no cell the file touches changed meanwhile (a local rating, another
// import); otherwise the file is checked again against the new cells.
func (s *Service) Import(ctx context.Context, data []byte) (*ImportSummary, error) {
	for try := 1; ; try++ {
		sum, applied, err := s.importOnce(ctx, data)
		if err != nil || applied {
			return sum, err
		}
		if try == maxImportTries {
			return nil, fmt.Errorf("import: %w", ErrBusy)
		}
	}
}

// importOnce checks the file against the cells as they are now and
// applies it, unless a cell it touches changed meanwhile (applied is
// then false and nothing changed).
func (s *Service) importOnce(ctx context.Context, data []byte) (sum *ImportSummary, applied bool, err error) {
	base, err := s.cellsNow()
	if err != nil {
		return nil, false, err
	}
	p, err := s.prepareImport(ctx, data, base)
	if errors.Is(err, crdt.ErrStoreMoved) {
		// Another program stored a cell after base was read: the next
		// try reads it again (see afresh).
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if sum, applied, err = s.applyImport(p, base); err != nil || !applied {
		return sum, applied, err
	}
	err = s.changeAfterImport(sum)
	if err == nil && sum.NewStatements > 0 {
		// Where my guardians before a change came into force only now,
		// the change is made there too (their agreements hold in every
		// cell). A guardian removed from my contacts by an older build
		// leaves no card to name them with: the file is taken in all
		// the same (TestImportWithGuardianContactGone).
		if err = s.NameGuardiansInCells(); errors.Is(err, ErrNotFound) {
			err = nil
		}
	}
	if err == nil {
		s.keepStartNow()
	}
	return sum, true, err
}

// cellsNow returns a copy of the map of cells as they are now. The cells
// themselves are never changed in place (a change makes a new one), so
// the copy can be read without the lock.
func (s *Service) cellsNow() (map[crdt.CellID]*crdt.Cell, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cells, err := s.loadCells()
	if err != nil {
		return nil, err
	}
	out := make(map[crdt.CellID]*crdt.Cell, len(cells))
	for id, c := range cells {
		out[id] = c
	}
	return out, nil
}

// applyImport stores a checked import under the lock, unless a cell the
// file touches is no longer the one it was checked against (applied is
// then false and nothing changed).
func (s *Service) applyImport(p *pendingImport, base map[crdt.CellID]*crdt.Cell) (sum *ImportSummary, applied bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cells, err := s.loadCells()
	if err != nil {
		return nil, false, err
	}
	for _, fc := range p.file.Cells {
		if cells[fc.ID] != base[fc.ID] {
			return nil, false, nil
		}
	}
	ds, err := deltas(p.cells)
	if err != nil {
		return nil, false, err
	}
	var recovered *identity.Identity
	s.beforeWriting()
	err = s.db.Update(func(tx *store.Tx) (err error) {
		recovered, err = s.storeImport(tx, p, cells, ds)
		return err
	})
	if errors.Is(err, errStale) {
		s.cells = nil
		return nil, false, nil
	}
	if err != nil {
		s.cells = nil
		return nil, false, err
	}
	for _, c := range p.cells {
		cells[c.ID()] = c
	}
	for id := range p.ended {
		delete(cells, id)
		delete(s.headers, id)
	}
	s.stored(p.cells, ds, true)
	if recovered != nil {
		// The device holds the person's own card again.
		s.self.Store(recovered)
		s.cells = nil
	}
	return p.summary, true, nil
}

// storeImport writes a checked import p over cells, the cells as held,
// in tx; ds are the deltas of p.cells. It returns the identity the
// recovery pieces of the file gave back, if they did.
func (s *Service) storeImport(tx *store.Tx, p *pendingImport, cells map[crdt.CellID]*crdt.Cell, ds []*crdt.Delta) (*identity.Identity, error) {
	sender := p.sender.ID()
	// Another program on this home may have changed a cell since it
	// was read: then the file is checked again (the caller's loop).
	touched := idsOf(p.cells)
	for id := range p.ended {
		touched = append(touched, id)
	}
	if err := s.unchanged(tx, touched...); err != nil {
		return nil, err
	}
	// The sender's card first, so that a new sender becomes a contact.
	if err := s.learnCard(tx, p.sender); err != nil {
		return nil, err
	}
	p.recovery.fromOldCard = replacedCards(cells, s.me().Card.ID())[sender]
	news, recovered, err := s.applyRecovery(tx, p.file, p.recovery, p.summary.From.Name)
	if err != nil {
		return nil, err
	}
	if !news.empty() {
		p.summary.Recovery = news
	}
	all := maps(cells, p.cells)
	for i, c := range p.cells {
		if err := putCell(tx, c, ds[i]); err != nil {
			return nil, err
		}
		if err := s.learnCards(tx, c, cells[c.ID()], all); err != nil {
			return nil, err
		}
	}
	for id := range p.ended {
		if err := forgetCell(tx, id); err != nil {
			return nil, err
		}
	}
	for _, fc := range p.file.Cells {
		if p.leftOut[fc.ID] || p.ended[fc.ID] {
			continue // nothing of it is taken in
		}
		_, created, err := getKnowledge(tx, sender, fc.ID)
		if err != nil {
			return nil, err
		}
		if created > p.file.Created.Unix() {
			continue // an older file: what we know is newer
		}
		if err := putKnowledge(tx, sender, fc.ID, fc.Heads, p.file.Created); err != nil {
			return nil, err
		}
	}
	return recovered, nil
}

// learnCard adds card as an introduced contact unless it is known already.
func (s *Service) learnCard(tx *store.Tx, card *identity.Card) error {
	if card.ID() == s.me().Card.ID() {
		return nil
	}
	have, err := getContact(tx, card.ID())
	switch {
	case errors.Is(err, ErrNotFound):
		return putNewContact(tx, &Contact{Card: card, Verified: Introduced, Added: s.opt.now()})
	case err != nil:
		return err
	case card.Created.After(have.Card.Created):
		pinName(have, card) // TestAttackSenderCardTakesAnotherName
		have.Card = card
		return putContact(tx, have)
	}
	return nil
}

// checkCell checks one cell of a sync file in a child process: changes
// to a cell held (old) extend it; a cell new to this device must be the
// cell it claims to be and have had me as a member. It returns the cell
// as it would be with the file taken in.
func checkCell(ctx context.Context, checker *crdt.Checker, fc export.Cell, old *crdt.Cell, me identity.ID) (*crdt.Cell, error) {
	if old != nil {
		if len(fc.Changes) == 0 {
			return old, nil
		}
		return checker.Extend(ctx, old, fc.Changes)
	}
	if len(fc.Changes) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotYourCell, fc.ID)
	}
	c, _, err := checker.LoadUntrusted(ctx, fc.Changes)
	if err != nil {
		return nil, err
	}
	if c.ID() != fc.ID || !c.State().Founded {
		return nil, fmt.Errorf("import: %w", crdt.ErrWrongCell)
	}
	if _, ever := c.State().Member(me); !ever {
		return nil, fmt.Errorf("%w: %s", ErrNotYourCell, c.State().Name)
	}
	return c, nil
}

// openImport opens a sync file addressed to me, from someone else, with
// the recovery pieces it carries.
func (s *Service) openImport(data []byte) (*pendingImport, error) {
	file, err := export.Open(s.me(), data)
	if err != nil {
		return nil, err
	}
	if file.Sender.ID() == s.me().Card.ID() {
		return nil, fmt.Errorf("import: %w", ErrOwnCard)
	}
	in, err := s.openRecovery(file)
	if err != nil {
		return nil, err
	}
	return &pendingImport{file: file, sender: file.Sender, recovery: in, leftOut: map[crdt.CellID]bool{}, ended: map[crdt.CellID]bool{}}, nil
}

// prepareImport does all the checking of an import against the cells in
// all, a copy the caller made ([Service.cellsNow]). It does not need s.mu
// and must not hold it: the child process may take seconds.
func (s *Service) prepareImport(ctx context.Context, data []byte, all map[crdt.CellID]*crdt.Cell) (*pendingImport, error) {
	checker := s.checker()
	checker.Warm() // starts while the file is decrypted and read
	p, err := s.openImport(data)
	if err != nil {
		return nil, err
	}
	file, in := p.file, p.recovery
	me, sender := s.me().Card.ID(), file.Sender.ID()
	recovering, senderContact, book, inv, err := s.importContext(all, file)
	if err != nil {
		return nil, err
	}
	if senderContact != nil && senderContact.Blocked {
		return nil, ErrBlocked
	}
	names := book.shown()
	p.summary = &ImportSummary{From: person(names, sender), Renamed: book.renamed(map[identity.ID]*identity.Card{sender: file.Sender}, names)}

	knownSender := senderContact != nil
	if recovering && slices.ContainsFunc(in.pieces, func(p *export.Piece) bool { return p.Kind == export.KindPiece }) {
		// A device getting a card back knows nobody yet: it takes
		// recovery pieces from whoever sends them (see guardians.go).
		knownSender = true
	}
	// Every cell as it will be, to name the changed ones as the cell list
	// will (CellLabels): look-alike names told apart.
	sc := &cellScan{checker: checker, all: all, me: me, sender: sender, senderContact: senderContact,
		book: book, names: names, inv: inv, knownSender: knownSender,
		states: make(map[crdt.CellID]*crdt.State, len(all)+len(file.Cells))}
	for id, c := range all {
		sc.states[id] = c.State()
	}
	for i, fc := range file.Cells {
		if err := p.scanCell(ctx, sc, fc, i+1 < len(file.Cells)); err != nil {
			return nil, err
		}
	}
	if !sc.knownSender {
		return nil, ErrUnknownSender
	}
	// A replaced card's files are taken in (what a card signs counts or
	// not by the rules of each cell, however it arrives: crdt/SCHEMA.md
	// §4.5); the summary says what its words weigh.
	states := make([]*crdt.State, 0, len(sc.states))
	for _, st := range sc.states {
		states = append(states, st)
	}
	p.summary.SenderReplaced = replacedAmong(states, me)[sender]
	markRivals(p.summary, sc.states, me)
	labelSummary(p.summary, sc.states, sc.names)
	p.summary.LeftOut.name(book.shown())
	p.summary.NamedLike = book.namedLike(p.newCards)
	return p, nil
}

// cellScan is what prepareImport reads the cells of a file with, and
// what it learns from them as it goes.
type cellScan struct {
	checker       *crdt.Checker
	all           map[crdt.CellID]*crdt.Cell // every cell as held
	me, sender    identity.ID
	senderContact *Contact
	book          *nameBook
	names         map[identity.ID]string
	inv           *invitationBook
	// states is every cell as it will be; knownSender is set once the
	// sender is known as a contact or as a member of a cell held.
	states      map[crdt.CellID]*crdt.State
	knownSender bool
}

// scanCell checks the cell fc of the file (in the worker) against the
// cell held, if any, and notes in p what it changes: the cell to store,
// what to say, or that it is left out. more says another cell follows.
func (p *pendingImport) scanCell(ctx context.Context, sc *cellScan, fc export.Cell, more bool) error {
	old, have := sc.all[fc.ID]
	cc := CellChanges{ID: fc.ID, NewCell: !have}
	var before *crdt.State
	if have {
		before = old.State()
	}
	next, err := checkCell(ctx, sc.checker, fc, old, sc.me)
	if errors.Is(err, crdt.ErrMissingPast) {
		e := &MissingPastError{From: p.summary.From.Name}
		if have {
			e.Cell = before.Name
		}
		return e
	}
	if err != nil {
		return err
	}
	if more {
		sc.checker.Warm() // for the next cell, while this one is derived
	}
	after := next.State()
	switch {
	case have && wasMember(after, sc.sender):
		// A member of a cell this device already holds.
		sc.knownSender = true
	case !have && sc.senderContact == nil:
		// New cells come only from people this device knows.
		return ErrUnknownSender
	}
	if !have {
		if take, err := p.takeNewCell(fc.ID, after, sc.me, sc.inv, sc.sender); err != nil || !take {
			sc.book.learn(after.Cards, false) // to name who invited in the summary
			return err
		}
	}
	if have && before.IsInvited(sc.me) && endedInvitation(after, sc.me) {
		// Kept, it would hold nothing for me and count as no
		// invitation waiting: a sender could invite, vote out and
		// invite again without bound.
		p.ended[fc.ID] = true
		p.leftOutNote().Removed++
		return nil
	}
	sc.states[fc.ID] = after
	cc.Name = after.Name
	if named := sc.book.learn(after.Cards, true); len(named) > 0 {
		sc.names = sc.book.shown()
		p.newCards = append(p.newCards, named...)
	}
	diffCell(&cc, before, after, sc.names)
	cc.VotedAgainstMe = votersAgainst(before, after, sc.me, sc.names)
	if cc.NewStatements > 0 {
		p.noteForked(sc, old, next)
	}
	cc.Renamed = sc.book.renamed(after.Cards, sc.names)
	cc.InvitedMe = after.IsInvited(sc.me) && (before == nil || !before.IsInvited(sc.me))
	// I am not one of the people invited: InvitedMe says so, in words
	// of its own ("you invited" would read as though I had invited).
	cc.Invited = slices.DeleteFunc(cc.Invited, func(p Person) bool { return p.ID == sc.me })
	cc.OnlyInvited = after.IsInvited(sc.me)
	if cc.NewStatements > 0 {
		p.cells = append(p.cells, next)
		p.summary.NewStatements += cc.NewStatements
	}
	p.summary.Cells = append(p.summary.Cells, cc)
	return nil
}

// renamed lists my own contacts whose newer card in cards bears another
// name, each once per import: they stay shown by the name I know them
// by (pinName).
func (b *nameBook) renamed(cards map[identity.ID]*identity.Card, names map[identity.ID]string) []RenamedCard {
	var out []RenamedCard
	for id, card := range cards {
		if held := b.chosen[id]; held != nil && card.Created.After(held.Created) && card.Pseudonym != held.Pseudonym {
			out = append(out, RenamedCard{person(names, id), card.Pseudonym})
			delete(b.chosen, id) // said once
		}
	}
	slices.SortFunc(out, func(a, b RenamedCard) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// labelSummary names each cell of summary as the cell list will once the
// import is done (see CellLabels): states are all the cells as they will
// be, so look-alike names are told apart.
func labelSummary(summary *ImportSummary, states map[crdt.CellID]*crdt.State, names map[identity.ID]string) {
	named := make([]namedCell, 0, len(states))
	for id, st := range states {
		named = append(named, namedCell{id: id, name: st.Name, founder: person(names, st.Founder).Name})
	}
	labels := labelCells(named)
	for i := range summary.Cells {
		summary.Cells[i].Name = labels[summary.Cells[i].ID]
	}
}

// importContext reads what an import is judged by: whether this device is
// getting its card back, the sender as a contact (nil when unknown), the
// names this device shows people by and the invitations waiting.
func (s *Service) importContext(all map[crdt.CellID]*crdt.Cell, file *export.File) (recovering bool, contact *Contact, book *nameBook, inv *invitationBook, err error) {
	sender := file.Sender
	err = s.db.View(func(tx *store.Tx) error {
		r, err := getRecovery(tx)
		if err != nil {
			return err
		}
		recovering = r != nil
		c, err := getContact(tx, sender.ID())
		if err == nil {
			contact = c
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if book, err = s.nameBook(tx, all, sender); err != nil {
			return err
		}
		ids := make([]crdt.CellID, len(file.Cells))
		for i, fc := range file.Cells {
			ids[i] = fc.ID
		}
		// Met in person: the contacts as they are now (the book is
		// only added to later, by cards of the file, as introduced).
		met := func(id identity.ID) bool { return book.people[id].how == InPerson && id != book.me }
		inv, err = readInvitations(tx, all, s.me().Card.ID(), met, ids)
		return err
	})
	if inv != nil {
		inv.lookup = s.refusal
	}
	return recovering, contact, book, inv, err
}

// takeNewCell says whether the new cell id, with state after, is taken
// in. One I accepted is. One in which I am only invited is not if I turned
// it down, or everything from who founded it or invited me to it (or
// carried it, unless I met who invited me in person), nor beyond the bounds of invitations waiting (inv). One that ended
// my invitation before I accepted (I was voted out) is not: it holds
// nothing for me, and, counting as no invitation waiting, it would let
// any sender add cells read at every start without bound. A cell left out
// is said in the summary.
func (p *pendingImport) takeNewCell(id crdt.CellID, after *crdt.State, me identity.ID, inv *invitationBook, sender identity.ID) (bool, error) {
	if m, ok := after.Member(me); ok && m.Joined != (crdt.StatementID{}) {
		return true, nil
	}
	if endedInvitation(after, me) {
		p.leftOutNote().Ended++
		p.leftOut[id] = true
		return false, nil
	}
	if inv.declined[id] {
		p.leftOutNote().Declined++
		p.leftOut[id] = true
		return false, nil
	}
	by := invitedBy(after, me, inv.isMet)
	from := []identity.ID{by, after.Founder}
	if !inv.isMet(by) {
		// Who carried it counts only for invitations of people not met:
		// one signed by someone I met is theirs, whoever carries it.
		from = append(from, sender)
	}
	who, refused, err := inv.refusedBy(from...)
	if err != nil {
		return false, err
	}
	if refused != notRefused {
		l := p.leftOutNote()
		if refused == refusedBlocked {
			l.Blocked = addFrom(l.Blocked, who, 0)
		} else {
			l.TurnedDown = addFrom(l.TurnedDown, who, 0)
		}
		p.leftOut[id] = true
		return false, nil
	}
	switch inv.admit(by) {
	case roomYes:
		return true, nil
	case roomAll:
		p.leftOutNote().AllWaiting++
	case roomNotMet:
		p.leftOutNote().NotMet++
	case roomByShare:
		l := p.leftOutNote()
		l.Shares = addFrom(l.Shares, by, inv.waiting[by])
	}
	p.leftOut[id] = true
	return false, nil
}

// leftOutNote returns the summary's account of what was left out, making
// it when there is none yet.
func (p *pendingImport) leftOutNote() *LeftOut {
	if p.summary.LeftOut == nil {
		p.summary.LeftOut = &LeftOut{}
	}
	return p.summary.LeftOut
}

// endedInvitation reports whether st ended my invitation before I
// accepted it: I am listed, never accepted, and am not invited any more
// (voted out).
// markRivals marks the replacements of sum that another cell of states
// (every cell as it will be) contradicts with a different new card.
func markRivals(sum *ImportSummary, states map[crdt.CellID]*crdt.State, me identity.ID) {
	for i := range sum.Cells {
		cc := &sum.Cells[i]
		st := states[cc.ID]
		for j := range cc.Replaced {
			if r, ok := st.ReplacedBy(cc.Replaced[j].ID); ok && len(rivalCards(states, cc.ID, me, r.Old, r.New)) > 0 {
				cc.Replaced[j].Rival = true
			}
			cc.Replaced[j].StillIn = stillMemberIn(states, cc.ID, me, cc.Replaced[j].ID)
		}
	}
}

// stillMemberIn returns, sorted, the names of the cells of states other
// than cell, joined by me, where old is a current member.
func stillMemberIn(states map[crdt.CellID]*crdt.State, cell crdt.CellID, me, old identity.ID) []string {
	var out []string
	for id, st := range states {
		if id != cell && st.IsMember(old) && wasMember(st, me) && !st.IsInvited(me) {
			out = append(out, st.Name)
		}
	}
	slices.Sort(out)
	return out
}

func endedInvitation(st *crdt.State, me identity.ID) bool {
	m, ok := st.Member(me)
	return ok && m.Joined == (crdt.StatementID{}) && !st.IsInvited(me)
}

func wasMember(st *crdt.State, id identity.ID) bool {
	_, ok := st.Member(id)
	return ok
}

// diffCell fills in what changed from before (nil for a new cell) to after.
func diffCell(cc *CellChanges, before, after *crdt.State, names map[identity.ID]string) {
	if before == nil {
		before = &crdt.State{}
	}
	cc.NewStatements = after.Counted + len(after.Invalid) - before.Counted - len(before.Invalid)
	if cc.NewStatements < 0 {
		cc.NewStatements = 0
	}
	cc.Rejected = setAside(cc, before, after, names)
	oldRatings := map[crdt.StatementID]bool{}
	for _, r := range before.Ratings {
		oldRatings[r.Statement] = true
	}
	for _, r := range after.Ratings {
		if !oldRatings[r.Statement] {
			cc.NewRatings++
		}
	}
	oldStatus := map[identity.ID]crdt.Status{}
	for _, m := range before.Members {
		oldStatus[m.ID] = m.Status
	}
	for _, r := range after.Replaced {
		if b, ok := before.ReplacedBy(r.Old); (!ok || b.New != r.New) && r.NewCard != nil {
			cc.Replaced = append(cc.Replaced, ReplacedCard{Person: person(names, r.Old), Guardians: r.Confirmed, Rival: ok})
			was := oldStatus[r.Old] // the same person
			if ok {
				was = oldStatus[b.New] // who stood for them here before
			}
			oldStatus[r.New] = was
		}
	}
	told := map[identity.ID]bool{}
	for _, r := range before.Replaced {
		if a, ok := after.ReplacedBy(r.Old); !ok || a.New != r.New {
			cc.ReplacementUndone = append(cc.ReplacementUndone, person(names, r.Old))
			told[r.Old] = true
		}
	}
	oldInvalid := map[crdt.StatementID]bool{}
	for _, r := range before.Invalid {
		oldInvalid[r.ID] = true
	}
	for _, r := range after.Invalid {
		if r.Kind == crdt.KindReplace && !oldInvalid[r.ID] && !told[r.Author] {
			cc.ReplacementRefused = append(cc.ReplacementRefused, person(names, r.Author))
			told[r.Author] = true
		}
	}
	for _, m := range after.Members {
		was := oldStatus[m.ID]
		if was == m.Status {
			continue
		}
		if was == crdt.StatusExcluded {
			cc.Undone = append(cc.Undone, person(names, m.ID))
		}
		switch m.Status {
		case crdt.StatusInvited, crdt.StatusPending:
			if was == "" || was == crdt.StatusLeft {
				cc.Invited = append(cc.Invited, person(names, m.ID))
			}
		case crdt.StatusMember:
			if was != crdt.StatusExcluded { // else back, not new: Undone says so
				cc.NewMembers = append(cc.NewMembers, person(names, m.ID))
			}
		case crdt.StatusExcluded:
			cc.Excluded = append(cc.Excluded, person(names, m.ID))
		case crdt.StatusLeft:
			cc.Left = append(cc.Left, person(names, m.ID))
		}
	}
	lostMembers(cc, before, after, names)
	cc.RulesVotes = rulesVotes(before, after, names)
	cc.NewVotes = len(newVotes(before, after))
	if before.Founded && after.Policy != before.Policy {
		p := after.Policy
		cc.Rules = &p
	}
}

// lostMembers lists in cc the members of before who are not members of
// after and were neither excluded nor left, and the people invited in
// before who are not in after at all: what admitted or invited them no
// longer counts (an admission set aside with its author's exclusion).
func lostMembers(cc *CellChanges, before, after *crdt.State, names map[identity.ID]string) {
	for _, m := range before.Members {
		if m.Status == crdt.StatusInvited || m.Status == crdt.StatusPending {
			if _, ok := after.Member(m.ID); !ok {
				cc.InvitationsEnded = append(cc.InvitationsEnded, person(names, m.ID))
			}
			continue
		}
		if m.Status != crdt.StatusMember {
			continue
		}
		now, ok := after.Member(m.ID)
		if ok && (now.Status == crdt.StatusMember || now.Status == crdt.StatusExcluded || now.Status == crdt.StatusLeft) {
			continue
		}
		if r, ok := after.ReplacedBy(m.ID); ok && after.IsMember(r.New) {
			continue // the same person, on a new card: Replaced says so
		}
		cc.NoLongerMembers = append(cc.NoLongerMembers, person(names, m.ID))
	}
}

// newVotes returns the open votes of after that before (nil for a new
// cell) did not hold.
func newVotes(before, after *crdt.State) []crdt.Vote {
	old := map[crdt.StatementID]bool{}
	if before != nil {
		for _, v := range before.Votes {
			old[v.Statement] = true
		}
	}
	var out []crdt.Vote
	for _, v := range after.Votes {
		if !old[v.Statement] {
			out = append(out, v)
		}
	}
	return out
}

// votersAgainst lists the voters of the open votes in after, not in
// before, to exclude me.
func votersAgainst(before, after *crdt.State, me identity.ID, names map[identity.ID]string) []Person {
	var out []Person
	for _, v := range newVotes(before, after) {
		if v.Subject == me {
			out = append(out, person(names, v.Voter))
		}
	}
	return out
}

// VotesPhrases says how many new votes to exclude c brings, naming the
// people who voted to exclude me: "Mal voted to exclude you and 2 votes
// to exclude others".
func (c *CellChanges) VotesPhrases() []string {
	var what []string
	if len(c.VotedAgainstMe) > 0 {
		what = append(what, Names(c.VotedAgainstMe)+" voted to exclude you")
	}
	switch rest := c.NewVotes - len(c.VotedAgainstMe); {
	case rest > 0 && len(c.VotedAgainstMe) > 0:
		what = append(what, words.Count(rest, "vote to exclude someone else", "votes to exclude others"))
	case rest > 0:
		what = append(what, words.Count(rest, "vote to exclude", "votes to exclude"))
	}
	return what
}

// setAside lists in cc, by author, the entries that do not count in after
// and were not already set aside in before, and returns how many.
func setAside(cc *CellChanges, before, after *crdt.State, names map[identity.ID]string) int {
	old := make(map[string]bool, len(before.Invalid))
	for _, r := range before.Invalid {
		old[r.Key] = true
	}
	at := map[identity.ID]int{}
	n := 0
	for _, r := range after.Invalid {
		if old[r.Key] {
			continue
		}
		n++
		i, ok := at[r.Author]
		if !ok {
			i = len(cc.SetAside)
			at[r.Author] = i
			a := SetAside{}
			if r.Author != (identity.ID{}) {
				a.Person = person(names, r.Author)
				m, in := after.Member(r.Author)
				a.Excluded = in && m.Status == crdt.StatusExcluded
			}
			cc.SetAside = append(cc.SetAside, a)
		}
		cc.SetAside[i].Count++
	}
	return n
}

// rulesVotes returns the open votes for new rules of after that before
// did not hold, by rules, in the order of after.
func rulesVotes(before, after *crdt.State, names map[identity.ID]string) []RulesVote {
	old := make(map[crdt.StatementID]bool, len(before.Proposals))
	for _, p := range before.Proposals {
		old[p.Statement] = true
	}
	var out []RulesVote
	at := map[crdt.Policy]int{}
	for _, p := range after.Proposals {
		if old[p.Statement] {
			continue
		}
		i, ok := at[p.Policy]
		if !ok {
			i = len(out)
			at[p.Policy] = i
			out = append(out, RulesVote{Policy: p.Policy, Keep: p.Policy == after.Policy})
		}
		out[i].Voters = append(out[i].Voters, person(names, p.Voter))
	}
	return out
}
