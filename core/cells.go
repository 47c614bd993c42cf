package core

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/words"
	"trustdesk/store"
)

// A cell is kept in parts (see crdt.Delta): its header under bucketCell,
// keyed by cell id; packs of its statements under bucketStatements and
// its document's chunks under bucketDocument, both grouped by cell id and
// keyed by number. Storing a change writes only what is new. Its derived
// state is kept under bucketState, keyed by cell id, so that a start
// decodes it instead of reading and deriving the statements (see
// crdt.LoadKept); one kept for another header or other rules is ignored.
// What ratings made on the device add to it is kept after it, in parts
// under bucketStateParts, grouped by cell id and keyed by number (see
// crdt.LoadKeptParts); writing the state whole deletes them.
const (
	bucketCell       = "cell"
	bucketStatements = "cell.statements"
	bucketDocument   = "cell.document"
	bucketState      = "cell.state"
	bucketStateParts = "cell.state.parts"
)

// Errors about cells.
var (
	// ErrNoSuchCell means no cell matches a query.
	ErrNoSuchCell = errors.New("no such cell")
	// ErrNotInCell means the user is not (or no longer) a member of the cell.
	ErrNotInCell = errors.New("you are not a member of that cell")
	// ErrNoSharedCell means a rating without named cells has nowhere to go.
	ErrNoSharedCell = errors.New("the person is in none of your cells")
	// ErrNoCellToSend means a sync file for one person has no cell to
	// carry: none of mine sends to them (they are not a member of it who
	// accepted, or I am not). It is an [ErrNoSharedCell].
	ErrNoCellToSend = fmt.Errorf("%w that you send", ErrNoSharedCell)
)

// CellView is a cell as the user sees it: its derived state with people
// named the way this device knows them. Its lists of people and votes
// ([CellView.Members], [CellView.Votes], [CellView.PolicyVotes],
// [CellView.InvitedBy]) are methods: a view of the list of cells a start
// reads (startcache.go) reads them when first asked for, since a member
// can put tens of thousands of people and votes into a cell.
type CellView struct {
	ID      crdt.CellID
	Name    string
	Founder Person
	Policy  crdt.Policy
	Me      crdt.Status // my standing in the cell ("" if never a member)
	// Invitation is true while I am invited (or vouched for) and have not
	// accepted: nothing of mine goes into the cell until I do.
	// [CellView.InvitedBy] lists who vouched for me; Inviter is the one
	// the invitation counts for and is turned down with (see
	// [Service.TurnDownEveryoneFrom]).
	Invitation bool
	Inviter    Person
	// Current is the number of current members.
	Current int
	// PolicyVotesNeeded is how many members must vote for the same rules
	// to change them.
	PolicyVotesNeeded int
	// Ratings is the number of ratings that count.
	Ratings int
	// NotCounted is the number of entries that do not count; which they
	// are, for detailed views, is [CellView.NotCountedEntries]. The list
	// is not part of the view: anyone in the cell can sign entries that
	// do not count, tens of thousands in one sync file, and every start
	// reads the views of every cell (the list of cells kept, see
	// startcache.go).
	NotCounted int

	// detail is what the view lists; for a view of the kept list nil,
	// and read when first asked for (loadDetail: see details).
	detail     *cellDetail
	loadDetail func() map[crdt.CellID]*cellDetail
	state      *crdt.State
	load       func() *crdt.State // when state is nil: see cellState
	me         identity.ID
}

// cellDetail is what a view lists of its cell's people and votes.
type cellDetail struct {
	InvitedBy   []Person
	Members     []MemberView
	Votes       []VoteView
	PolicyVotes []PolicyVoteView
}

// details returns what v lists: the lists it was made with, or those
// kept with the list of cells it was read from, read when first asked
// for (empty if they cannot be read).
func (v *CellView) details() *cellDetail {
	if v.detail != nil {
		return v.detail
	}
	if v.loadDetail != nil {
		if d := v.loadDetail()[v.ID]; d != nil {
			return d
		}
	}
	return &cellDetail{}
}

// InvitedBy lists who vouched for me while I am invited.
func (v *CellView) InvitedBy() []Person { return v.details().InvitedBy }

// Members lists the cell's people: members, people invited or waiting
// for vouches, and former members.
func (v *CellView) Members() []MemberView { return v.details().Members }

// Votes lists the open votes to exclude someone.
func (v *CellView) Votes() []VoteView { return v.details().Votes }

// PolicyVotes lists the open votes for new rules.
func (v *CellView) PolicyVotes() []PolicyVoteView { return v.details().PolicyVotes }

// ShownVotes is how many open votes a cell's page lists of a kind (to
// exclude, on the rules) that it lists in full, and how many it lists
// besides those that concern me of the kinds it does not. Past it, a
// page lists first the votes that concern me ([CellView.VotesOnPage]),
// then others until ShownVotes rows are listed of all the crowded kinds
// together, and one line for the rest ([OtherVotes]), which open on
// demand: a member who admits thousands of fakes that each vote cannot
// push the people off the first screen, and a small cell still shows
// its votes.
const ShownVotes = 4

// VotesOnPage is what a cell's page lists of its open votes
// ([CellView.VotesOnPage]): of each kind, the votes listed, how many of
// them (at their head) concern me, and how many are left out.
type VotesOnPage struct {
	Votes                    []VoteView
	VotesConcern, OtherVotes int
	Rules                    []PolicyVoteView
	RulesConcern, OtherRules int
}

// VotesOnPage returns the open votes, to exclude and on the rules, that
// a cell's page lists. A kind of at most [ShownVotes] votes is listed in
// full, in the order of [CellView.Votes] or [CellView.PolicyVotes]. Of a
// larger one, the votes that concern me come first: to exclude, my own
// votes, the vote to exclude me, votes to exclude someone known reports
// true for (the user's own contacts) or whom I vouched for, then votes
// that one more vote would decide; on the rules, my own vote, then the
// votes for rules that one more vote would bring in. Others follow in
// their order while the crowded kinds list fewer than [ShownVotes]
// together (the votes to exclude fill first). What concerns me because
// of what I did is listed however many; the votes one more vote would
// decide can be many at the hands of someone else (fakes voting against
// each other), so at most [ShownVotes] of them are.
func (v *CellView) VotesOnPage(known func(identity.ID) bool) VotesOnPage {
	votes, rules := v.votesShown(known)
	return VotesOnPage{
		Votes: votes.shown, VotesConcern: votes.concern, OtherVotes: len(v.Votes()) - len(votes.shown),
		Rules: rules.shown, RulesConcern: rules.concern, OtherRules: len(v.PolicyVotes()) - len(rules.shown),
	}
}

// votesShown picks what a cell's page lists of both kinds of open vote
// (see [CellView.VotesOnPage]).
func (v *CellView) votesShown(known func(identity.ID) bool) (*picked[VoteView], *picked[PolicyVoteView]) {
	vouched := map[identity.ID]bool{}
	for _, m := range v.Members() {
		for _, p := range m.VouchedBy {
			if p.ID == v.me {
				vouched[m.ID] = true
			}
		}
	}
	all, allRules := v.Votes(), v.PolicyVotes()
	votes := concerning(all, func(vote VoteView) int {
		switch {
		case vote.Mine:
			return 0
		case vote.Subject.ID == v.me:
			return 1
		case vouched[vote.Subject.ID] || known != nil && known(vote.Subject.ID):
			return 2
		case len(vote.Voters)+1 >= vote.Needed:
			return 3
		}
		return -1
	})
	votesFor := map[crdt.Policy]int{}
	for _, pv := range allRules {
		votesFor[pv.Policy]++
	}
	rules := concerning(allRules, func(pv PolicyVoteView) int {
		switch {
		case pv.Mine:
			return 0
		case votesFor[pv.Policy]+1 >= v.PolicyVotesNeeded:
			return 3
		}
		return -1
	})
	room := ShownVotes - votes.crowded() - rules.crowded()
	room = votes.fill(all, room)
	rules.fill(allRules, room)
	return votes, rules
}

// OtherVotes says how many open votes a cell's page leaves out, under
// those it lists: "1 other open vote". The window and `cell show` both
// print it.
func OtherVotes(n int) string {
	return words.Count(n, "other open vote", "other open votes")
}

// AllVotes returns every open vote, to exclude and on the rules, those
// the page lists ([CellView.VotesOnPage]) first and the others in their order after them, so that a list of
// thousands opens on the votes that concern me.
func (v *CellView) AllVotes(known func(identity.ID) bool) ([]VoteView, []PolicyVoteView) {
	votes, rules := v.votesShown(known)
	return shownFirst(votes.shown, v.Votes(), func(x VoteView) identity.ID { return x.Subject.ID }),
		shownFirst(rules.shown, v.PolicyVotes(), func(x PolicyVoteView) identity.ID { return x.Voter.ID })
}

// shownFirst returns shown, then the others of all, each told apart by
// key (a vote to exclude by whom it is about, a vote on the rules by its
// voter: each has one open vote).
func shownFirst[T any](shown, all []T, key func(T) identity.ID) []T {
	first := make(map[identity.ID]bool, len(shown))
	for _, x := range shown {
		first[key(x)] = true
	}
	out := slices.Clip(slices.Clone(shown))
	for _, x := range all {
		if !first[key(x)] {
			out = append(out, x)
		}
	}
	return out
}

// ConcernFirst is what the title of a list of open votes of one kind
// adds when the list leaves others out and opens on votes that concern
// me ([CellView.VotesOnPage]): the reader learns why these come
// first. It adds nothing when none of them concern me (they are simply
// the first in order) or when all are listed.
func ConcernFirst(concern, others int) string {
	if others > 0 && concern > 0 {
		return ", those that concern you first"
	}
	return ""
}

// picked is what a cell's page lists of one kind of open vote: shown,
// of which the first concern are votes that concern me; listed marks
// them in all. A kind of at most [ShownVotes] votes is listed in full
// (all is then true: it is not crowded, and takes none of the room).
type picked[T any] struct {
	shown   []T
	concern int
	listed  []bool
	all     bool
}

// concerning returns the votes of all that concern me, by rank (0 to
// 3; -1 for the others), in the order of all within a rank, at most
// [ShownVotes] of rank 3 (what someone else can make many of); or all
// of them when there are at most [ShownVotes].
func concerning[T any](all []T, rank func(T) int) *picked[T] {
	if len(all) <= ShownVotes {
		return &picked[T]{shown: all, all: true}
	}
	var byRank [4][]T
	listed := make([]bool, len(all))
	for i, x := range all {
		if r := rank(x); r >= 0 && (r < 3 || len(byRank[3]) < ShownVotes) {
			byRank[r] = append(byRank[r], x)
			listed[i] = true
		}
	}
	shown := slices.Concat(byRank[:]...)
	return &picked[T]{shown: shown, concern: len(shown), listed: listed}
}

// crowded returns how many rows p lists of a crowded kind: those that
// take the page's room.
func (p *picked[T]) crowded() int {
	if p.all {
		return 0
	}
	return len(p.shown)
}

// fill lists, of a crowded kind, up to room more of all in their order
// after those that concern me, and returns the room left.
func (p *picked[T]) fill(all []T, room int) int {
	if p.all {
		return room
	}
	for i, x := range all {
		if room <= 0 {
			break
		}
		if !p.listed[i] {
			p.shown = append(p.shown, x)
			p.listed[i] = true
			room--
		}
	}
	return room
}

// More says how many things a list leaves out, one and many naming
// them: "and 2,480 more votes to exclude".
func More(n int, one, many string) string {
	return "and " + words.Count(n, "more "+one, "more "+many)
}

// ShownMembers is how many people of each group of a cell (members,
// invited or waiting, former members) a cell's page and `cell show`
// list before "and N more": a member who admits thousands of fakes
// makes a short page, not a wall of fakes.
const ShownMembers = 30

// MemberGroup is one group of a cell's people as its page lists them:
// its title, what one and many of them are called, and the standings it
// holds.
type MemberGroup struct {
	Title, One, Many string
	Statuses         []crdt.Status
}

// MemberGroups are the groups of a cell's people, in the order a page
// lists them.
var MemberGroups = []MemberGroup{
	{"Members", "member", "members", []crdt.Status{crdt.StatusMember}},
	{"Invited or waiting for vouches", "person invited or waiting", "people invited or waiting", []crdt.Status{crdt.StatusInvited, crdt.StatusPending}},
	{"Former members", "former member", "former members", []crdt.Status{crdt.StatusExcluded, crdt.StatusLeft}},
}

// More says how many people of g a list leaves out: "and 2,472 more
// members".
func (g MemberGroup) More(n int) string { return More(n, g.One, g.Many) }

// MembersShown returns the people of v whose standing is one of
// statuses, in the order of [CellView.Members], and the first
// [ShownMembers] of them that a page lists. When the group is longer,
// the page lists first me, the founder, the people I vote to exclude,
// the people known reports true for (the user's own contacts), the
// people who vote to exclude me, then the rest, each in the order of the
// group. Only the last two can be many at the hands of someone else (a
// member's fakes who all vote against me): they come after the people
// of my own doing.
func (v *CellView) MembersShown(known func(identity.ID) bool, statuses ...crdt.Status) (shown, all []MemberView) {
	for _, m := range v.Members() {
		if slices.Contains(statuses, m.Status) {
			all = append(all, m)
		}
	}
	if len(all) <= ShownMembers {
		return all, all
	}
	mine, against := map[identity.ID]bool{}, map[identity.ID]bool{}
	for _, vote := range v.Votes() {
		if vote.Mine {
			mine[vote.Subject.ID] = true
		}
		if vote.Subject.ID == v.me {
			for _, p := range vote.Voters {
				against[p.ID] = true
			}
		}
	}
	rank := func(m MemberView) int {
		switch {
		case m.IsMe:
			return 0
		case m.ID == v.Founder.ID:
			return 1
		case mine[m.ID]:
			return 2
		case known != nil && known(m.ID):
			return 3
		case against[m.ID]:
			return 4
		}
		return 5
	}
	shown = slices.Clone(all)
	slices.SortStableFunc(shown, func(a, b MemberView) int { return rank(a) - rank(b) })
	return shown[:ShownMembers], all
}

// PolicyVoteView is a member's open vote for new rules.
type PolicyVoteView struct {
	Voter  Person
	Policy crdt.Policy
	Mine   bool
	// Keep is true when Policy is the rules in force: a vote to keep
	// them (it takes back the voter's earlier vote for other rules),
	// not a vote for new rules.
	Keep bool
}

// Words says in plain words what the vote is for: "keep the rules as
// they are", or the rules it asks for.
func (pv PolicyVoteView) Words() string {
	if pv.Keep {
		return KeepRules
	}
	return RulesSentence(pv.Policy)
}

// KeepRules is what a vote for the rules in force asks for.
const KeepRules = "keep the rules as they are"

// CanAdmit says whether I may vouch for person in the cell now: nil, or
// an error wrapping crdt.ErrNotAllowed that says why not.
func (v *CellView) CanAdmit(person identity.ID) error {
	st := v.cellState()
	if st == nil {
		return fmt.Errorf("%w: the cell cannot be read", crdt.ErrNotAllowed)
	}
	return st.CanAdmit(v.me, person)
}

// NotCountedEntries lists the entries of the cell that do not count, with
// why (NotCounted of them), read from the cell's state when asked for;
// nil if the cell cannot be read.
func (v *CellView) NotCountedEntries() []crdt.Rejected {
	st := v.cellState()
	if st == nil {
		return nil
	}
	return st.Invalid
}

// IsMember reports whether id is a current member of the cell.
func (v *CellView) IsMember(id identity.ID) bool {
	st := v.cellState()
	return st != nil && st.IsMember(id)
}

// VotesToExclude returns how many votes exclude id now (0: cannot be).
func (v *CellView) VotesToExclude(id identity.ID) int {
	st := v.cellState()
	if st == nil {
		return 0
	}
	return st.VotesToExclude(id)
}

// MemberView is one person who was ever admitted to a cell.
type MemberView struct {
	ID         identity.ID
	Name       string
	Status     crdt.Status
	VouchedBy  []Person
	ExcludedBy []Person
	IsMe       bool
	// Accepted is false for someone invited who has not accepted yet.
	Accepted bool
	// Vouches is how many vouches count for someone waiting for vouches
	// ([crdt.State.VouchesCounted]): VouchedBy also lists vouchers who
	// left or were excluded since, whose vouches no longer count.
	Vouches int
}

// VoteView is an open vote to exclude someone.
type VoteView struct {
	Subject Person
	Voters  []Person
	// Needed is how many votes exclude the person under the cell's rules
	// now (see crdt/SCHEMA.md).
	Needed int
	// Mine is true when one of the votes is mine.
	Mine bool
}

// Person is an identity with the name this device shows for it.
type Person struct {
	ID   identity.ID
	Name string
}

// cells loads every cell of this device, keyed by id. The caller holds s.mu.
// A cell whose derived state is kept (and kept for what is stored of it,
// by these rules) is read from its header and that state alone; any other
// is read in full and derived, and its state kept for the next start.
func (s *Service) loadCells() (map[crdt.CellID]*crdt.Cell, error) {
	if s.cells != nil {
		// Another program may have changed the home since this service
		// read it (the command line while the app is open): then its
		// cells are read again, or every change made here fails
		// (TestAttackStaleWriteLosesChange).
		err := s.db.View(func(tx *store.Tx) error {
			recs, err := tx.List(bucketCell, nil)
			if err == nil {
				s.dropStaleCells(recs)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if s.cells != nil {
		if s.afterHeaders != nil {
			s.afterHeaders()
		}
		return s.cells, nil
	}
	var parts []*crdt.Parts
	var kept []*crdt.Cell
	headers := map[crdt.CellID]string{}
	err := s.db.View(func(tx *store.Tx) error {
		recs, err := tx.List(bucketCell, nil)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if id, ok := cellKey(r.Key); ok {
				headers[id] = string(r.Value)
			}
			if c, err := readKept(tx, r.Key, r.Value); err != nil {
				return err
			} else if c != nil {
				kept = append(kept, c)
				continue
			}
			// The document stays in the store until a method needs it.
			p, err := readParts(tx, r.Key, r.Value, false)
			if err != nil {
				return err
			}
			parts = append(parts, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	cells := make(map[crdt.CellID]*crdt.Cell, len(parts)+len(kept))
	for _, c := range kept {
		c.SetPartsReload(s.reloader(c.ID()))
		cells[c.ID()] = c
	}
	states := make(map[crdt.CellID][]byte, len(parts))
	for _, p := range parts {
		// These bytes were written by this device, inside the encrypted
		// store, after being checked: they are trusted.
		c, err := crdt.LoadParts(p)
		if err != nil {
			return nil, fmt.Errorf("read cell: %w", err)
		}
		c.SetPartsReload(s.reloader(c.ID()))
		c.Rest()
		cells[c.ID()] = c
		if b, err := c.KeptState(p.Header); err == nil {
			states[c.ID()] = b
		}
	}
	s.cells, s.headers = cells, headers
	s.keepStates(states)
	if len(parts) > 0 && s.staysOpenNow() {
		// Reading every cell makes a lot of short-lived garbage (a large
		// home holds tens of thousands of statements); hand it back to
		// the system now rather than keeping it for the whole session,
		// beside what follows rather than before it goes on: with
		// 30,000 statements handing it back takes a fifth of a second.
		// Only a service that stays open, once prepared: the app hands
		// its start's garbage back itself once its first screens are
		// built, and a command of the command line ends soon after (at
		// 100,000 statements a start after an update spent about 0.4 s
		// of processor time handing back what its process then drops).
		go debug.FreeOSMemory()
	}
	return cells, nil
}

// readKept returns the cell stored under key, with header, read from the
// derived state kept beside it; nil if none is kept that fits (missing,
// damaged, kept for another header or by other rules: see crdt.LoadKept).
func readKept(tx *store.Tx, key, header []byte) (*crdt.Cell, error) {
	b, err := tx.Get(bucketState, nil, key)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrDamaged) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	recs, err := tx.List(bucketStateParts, key)
	if errors.Is(err, store.ErrDamaged) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	parts := make([][]byte, len(recs))
	for i, r := range recs {
		if !bytes.Equal(r.Key, crdt.PartKey(i)) {
			return nil, nil // a part missing
		}
		parts[i] = r.Value
	}
	c, ok := crdt.LoadKeptParts(header, b, parts)
	if !ok {
		return nil, nil
	}
	if id := c.ID(); !bytes.Equal(id[:], key) {
		return nil, nil
	}
	return c, nil
}

// keepStates keeps the derived states of cells that had none that fit,
// with the headers they were read with (the store may have changed since
// only under s.mu, which the caller holds). Keeping them only spares the
// next start work, so a failure here is not one of the start: the next
// start derives those cells again.
func (s *Service) keepStates(states map[crdt.CellID][]byte) {
	if len(states) == 0 {
		return
	}
	s.beforeWriting()
	_ = s.db.Update(func(tx *store.Tx) error {
		for id, b := range states {
			if s.unchanged(tx, id) != nil {
				continue // another program wrote the cell since: its state is newer
			}
			if err := putState(tx, id, b); err != nil {
				return err
			}
		}
		return nil
	})
}

// readParts reads the parts of the cell whose header is stored under key,
// the document's chunks only if withDoc.
func readParts(tx *store.Tx, key, header []byte, withDoc bool) (*crdt.Parts, error) {
	if !crdt.IsPartsHeader(header) {
		return nil, fmt.Errorf("read cell: %w: not stored in parts", store.ErrDamaged)
	}
	p := &crdt.Parts{Header: header}
	recs, err := tx.List(bucketStatements, key)
	if err != nil {
		return nil, err
	}
	p.Packs = parts(recs)
	if withDoc {
		recs, err := tx.List(bucketDocument, key)
		if err != nil {
			return nil, err
		}
		p.Chunks = parts(recs)
		if p.Chunks == nil {
			p.Chunks = []crdt.Part{}
		}
	}
	return p, nil
}

func parts(recs []store.Record) []crdt.Part {
	if recs == nil {
		return nil
	}
	out := make([]crdt.Part, len(recs))
	for i, r := range recs {
		out[i] = crdt.Part{Key: r.Key, Value: r.Value}
	}
	return out
}

// deltas returns what the store lacks of each cell: with their statements
// and the signature checks already done, so opening the home later
// neither loads the Automerge document nor checks every signature again.
// It may read the store (a cell's document is kept there, see reloader),
// so it must be called outside a transaction.
func deltas(cells []*crdt.Cell) ([]*crdt.Delta, error) {
	out := make([]*crdt.Delta, len(cells))
	for i, c := range cells {
		var err error
		if out[i], err = c.Delta(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// putCell writes what deltas found the store lacks of c.
func putCell(tx *store.Tx, c *crdt.Cell, d *crdt.Delta) error {
	id := c.ID()
	if d.ResetPacks {
		if err := tx.DeleteGroup(bucketStatements, id[:]); err != nil {
			return err
		}
	}
	if d.ResetChunks {
		if err := tx.DeleteGroup(bucketDocument, id[:]); err != nil {
			return err
		}
	}
	for _, p := range d.Packs {
		if err := tx.Put(bucketStatements, id[:], p.Key, p.Value); err != nil {
			return err
		}
	}
	for _, p := range d.Chunks {
		if err := tx.Put(bucketDocument, id[:], p.Key, p.Value); err != nil {
			return err
		}
	}
	if d.State == nil {
		if err := tx.Put(bucketStateParts, id[:], d.StatePart.Key, d.StatePart.Value); err != nil {
			return err
		}
	} else if err := putState(tx, id, d.State); err != nil {
		return err
	}
	return tx.Put(bucketCell, nil, id[:], d.Header)
}

// putState keeps b as the whole derived state of cell id, without parts.
func putState(tx *store.Tx, id crdt.CellID, b []byte) error {
	if err := tx.DeleteGroup(bucketStateParts, id[:]); err != nil {
		return err
	}
	return tx.Put(bucketState, nil, id[:], b)
}

// deleteParts removes every part of a cell but its header, and its kept
// state.
func deleteParts(tx *store.Tx, id crdt.CellID) error {
	if err := tx.Delete(bucketState, nil, id[:]); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := tx.DeleteGroup(bucketStateParts, id[:]); err != nil {
		return err
	}
	if err := tx.DeleteGroup(bucketStatements, id[:]); err != nil {
		return err
	}
	return tx.DeleteGroup(bucketDocument, id[:])
}

// reloader returns how a cell read from or written to the store fetches
// its parts again, so it need not keep its document and statements in
// memory (see crdt.Cell.SetPartsReload and Rest). It runs its own read
// transaction.
func (s *Service) reloader(id crdt.CellID) func() (*crdt.Parts, error) {
	return func() (*crdt.Parts, error) {
		var p *crdt.Parts
		err := s.db.View(func(tx *store.Tx) error {
			header, err := tx.Get(bucketCell, nil, id[:])
			if err != nil {
				return err
			}
			p, err = readParts(tx, id[:], header, true)
			return err
		})
		return p, err
	}
}

// stored tells the cells just stored that the store holds what ds said it
// lacked, so that they keep only what they show, or also their statements
// if keep: a cell that takes in changes from outside keeps them for the
// session, so that the next changes (which the checking worker applies to
// the document it holds) cost what they bring, not a reading of the cell.
func (s *Service) stored(cells []*crdt.Cell, ds []*crdt.Delta, keep bool) {
	for i, c := range cells {
		c.Stored(ds[i])
		if s.headers != nil {
			s.headers[c.ID()] = string(ds[i].Header)
		}
		c.SetPartsReload(s.reloader(c.ID()))
		if !keep {
			c.Rest()
		}
	}
}

// readCell reads a cell kept whole, as before parts: a snapshot, or a
// plain document.
func readCell(b []byte) (*crdt.Cell, error) {
	if crdt.IsDocument(b) {
		return crdt.Load(b)
	}
	return crdt.LoadSnapshot(b)
}

// names returns how this device names every person it knows: petnames and
// pseudonyms of contacts, "you" for me, else pseudonyms from cell cards
// and from the extra cards given (such as a sync file's sender), told
// apart where they look alike (see [nameBook]).
//
// The map returned is shared: callers only read it. Without extra cards
// it is remembered (namesMemo) and given again while the cells' states,
// the contacts and I are the same: a start names everyone for the list of
// cells and again for the reputation.
func (s *Service) names(tx *store.Tx, cells map[crdt.CellID]*crdt.Cell, extra ...*identity.Card) (map[identity.ID]string, error) {
	m, err := s.namesFor(tx, cells, extra...)
	if err != nil {
		return nil, err
	}
	return m.shown, nil
}

// namesMemo is what names remembers: the names it gave, with what they
// were made from, and the same names keyed by id strings (made when
// first asked for, by the reputation).
type namesMemo struct {
	me       identity.ID
	states   map[crdt.CellID]*crdt.State
	contacts []namedContact
	shown    map[identity.ID]string
	strings  map[string]string
}

// namedContact is what a contact gives to names.
type namedContact struct {
	id   identity.ID
	name string
	how  Verification
}

// namesFor is names, with what it remembers.
func (s *Service) namesFor(tx *store.Tx, cells map[crdt.CellID]*crdt.Cell, extra ...*identity.Card) (*namesMemo, error) {
	contacts, err := listContacts(tx)
	if err != nil {
		return nil, err
	}
	m := &namesMemo{me: s.me().Card.ID(), states: make(map[crdt.CellID]*crdt.State, len(cells)), contacts: make([]namedContact, len(contacts))}
	for id, c := range cells {
		// A state is never changed once made (a change makes another),
		// and the memo holds on to it: the same pointer is the same cards.
		m.states[id] = c.State()
	}
	for i, c := range contacts {
		m.contacts[i] = namedContact{c.ID(), c.Name(), c.Verified}
	}
	s.namesMu.Lock()
	last := s.namesMemo
	s.namesMu.Unlock()
	if len(extra) == 0 && last != nil && last.me == m.me && sameStates(last.states, m.states) && slices.Equal(last.contacts, m.contacts) {
		return last, nil
	}
	s.learnKeptLookalikeKeys(tx)
	b, err := s.nameBookWith(cells, contacts, extra...)
	if err != nil {
		return nil, err
	}
	m.shown = b.shown()
	if len(extra) == 0 {
		s.namesMu.Lock()
		s.namesMemo = m
		s.namesMu.Unlock()
	}
	return m, nil
}

// sameStates reports whether a and b hold the same states of the same
// cells.
func sameStates(a, b map[crdt.CellID]*crdt.State) bool {
	if len(a) != len(b) {
		return false
	}
	for id, st := range a {
		if other, ok := b[id]; !ok || other != st {
			return false
		}
	}
	return true
}

// byString returns the names of m keyed by id strings, as the reputation
// takes them.
func (m *namesMemo) byString(mu *sync.Mutex) map[string]string {
	mu.Lock()
	defer mu.Unlock()
	if m.strings == nil {
		m.strings = make(map[string]string, len(m.shown))
		for id, n := range m.shown {
			m.strings[id.String()] = n
		}
	}
	return m.strings
}

// nameBook collects the names of names() before they are told apart.
func (s *Service) nameBook(tx *store.Tx, cells map[crdt.CellID]*crdt.Cell, extra ...*identity.Card) (*nameBook, error) {
	contacts, err := listContacts(tx)
	if err != nil {
		return nil, err
	}
	return s.nameBookWith(cells, contacts, extra...)
}

// nameBookWith is nameBook with the contacts already read.
func (s *Service) nameBookWith(cells map[crdt.CellID]*crdt.Cell, contacts []*Contact, extra ...*identity.Card) (*nameBook, error) {
	n := len(extra)
	for _, c := range cells {
		n += len(c.State().Cards)
	}
	b := newNameBook(s.me().Card.ID(), n)
	for _, card := range extra {
		b.set(card.ID(), card.Pseudonym, Unverified, false)
	}
	for _, c := range cells {
		for id, card := range c.State().Cards {
			// The newest card of each, as the contact holds it
			// (learnCards), whatever the order of the cells.
			if p, ok := b.people[id]; ok && p.how == Introduced && !card.Created.After(p.card) {
				continue
			}
			b.set(id, card.Pseudonym, Introduced, false)
			b.heldCard(id, card.Created)
		}
	}
	b.chosen = map[identity.ID]*identity.Card{}
	for _, c := range contacts {
		b.set(c.ID(), c.Name(), c.Verified, c.Petname != "")
		if c.Petname == "" {
			b.heldCard(c.ID(), c.Card.Created)
		}
		if chosen(c) && c.Petname == "" {
			b.chosen[c.ID()] = c.Card
		}
	}
	return b, nil
}

func person(names map[identity.ID]string, id identity.ID) Person {
	n, ok := names[id]
	if !ok {
		n = "someone unknown (" + id.String()[:8] + ")"
	}
	return Person{ID: id, Name: n}
}

func people(names map[identity.ID]string, ids []identity.ID) []Person {
	out := make([]Person, len(ids))
	for i, id := range ids {
		out[i] = person(names, id)
	}
	return out
}

func (s *Service) view(c *crdt.Cell, names map[identity.ID]string, met func(identity.ID) bool) *CellView {
	st := c.State()
	me := s.me().Card.ID()
	v := &CellView{
		ID: c.ID(), Name: st.Name, Founder: person(names, st.Founder), Policy: st.Policy,
		Invitation: st.IsInvited(me), Current: len(st.CurrentMembers()),
		PolicyVotesNeeded: st.VotesToChangePolicy(), Ratings: len(st.Ratings), NotCounted: len(st.Invalid),
		state: st, me: me, detail: &cellDetail{},
	}
	d := v.detail
	for _, p := range st.Proposals {
		d.PolicyVotes = append(d.PolicyVotes, PolicyVoteView{Voter: person(names, p.Voter), Policy: p.Policy, Mine: p.Voter == me, Keep: p.Policy == st.Policy})
	}
	for _, m := range st.Members {
		mv := MemberView{
			ID:         m.ID,
			Name:       person(names, m.ID).Name,
			Status:     m.Status,
			VouchedBy:  people(names, m.VouchedBy),
			ExcludedBy: people(names, m.ExcludedBy),
			IsMe:       m.ID == me,
			Accepted:   m.Joined != crdt.StatementID{},
			Vouches:    st.VouchesCounted(m.ID),
		}
		if mv.IsMe {
			v.Me = m.Status
			if v.Invitation {
				d.InvitedBy = mv.VouchedBy
				v.Inviter = person(names, invitedBy(st, me, met))
			}
		}
		d.Members = append(d.Members, mv)
	}
	votes := map[identity.ID]*VoteView{}
	var order []identity.ID
	for _, vote := range st.Votes {
		vv, ok := votes[vote.Subject]
		if !ok {
			vv = &VoteView{Subject: person(names, vote.Subject), Needed: st.VotesToExclude(vote.Subject)}
			votes[vote.Subject] = vv
			order = append(order, vote.Subject)
		}
		vv.Voters = append(vv.Voters, person(names, vote.Voter))
		vv.Mine = vv.Mine || vote.Voter == me
	}
	for _, id := range order {
		d.Votes = append(d.Votes, *votes[id])
	}
	return v
}

// Cells returns every cell on this device, sorted by name. A start
// reads the list kept for the cells and contacts as they are (see
// startcache.go) instead of every cell's state.
func (s *Service) Cells() ([]*CellView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var inputs []byte
	var out []*CellView
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		if inputs, _, err = s.cellsInputs(tx); err != nil {
			return err
		}
		out = s.keptCells(tx, inputs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out != nil {
		return out, nil
	}
	return s.computeCells(inputs)
}

// computeCells works out every cell's view, as Cells returns them, and
// keeps them for inputs, the digest they are worked out from. The caller
// holds s.mu.
func (s *Service) computeCells(inputs []byte) ([]*CellView, error) {
	s.inputsRead()
	cells, err := s.loadCells()
	if err != nil {
		return nil, err
	}
	var out []*CellView
	err = s.db.View(func(tx *store.Tx) error {
		names, err := s.names(tx, cells)
		if err != nil {
			return err
		}
		for _, c := range cells {
			out = append(out, s.view(c, names, metIn(tx)))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *CellView) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	s.keepCells(inputs, out)
	return out, nil
}

// FindCell returns the one cell that query names: its name or id, or an
// unambiguous case-insensitive prefix of either. A name matched exactly
// wins over longer names it starts, except that a cell I am not a member
// of never wins that way over one I am a member of: anyone I know can push
// an invitation to a cell called "Night" while I am in "Night market", so
// "night" then lists both. A whole id always names its cell, even where
// another cell is named like that id.
func (s *Service) FindCell(query string) (*CellView, error) {
	all, err := s.Cells()
	if err != nil {
		return nil, err
	}
	whole, exact, prefix := matchQuery(all, query, func(c *CellView) (string, string) { return c.Name, c.ID.String() })
	if whole != nil {
		return *whole, nil
	}
	pick := exact
	member := func(c *CellView) bool { return c.Me == crdt.StatusMember }
	if len(pick) == 0 || (!slices.ContainsFunc(exact, member) && slices.ContainsFunc(prefix, member)) {
		pick = prefix
	}
	switch len(pick) {
	case 0:
		return nil, fmt.Errorf("%w: %q", ErrNoSuchCell, query)
	case 1:
		return pick[0], nil
	}
	e := &AmbiguousError{Query: query}
	for _, c := range pick {
		e.Candidates = append(e.Candidates, Candidate{Name: c.Name, ID: c.ID.String()})
	}
	return nil, e
}

// matchQuery finds what query names among items, each with a name and an
// id: the item whose whole id it is, else the items whose name it is
// (exact) and those whose name or id it starts (prefix), ignoring case.
func matchQuery[T any](items []T, query string, key func(T) (string, string)) (whole *T, exact, prefix []T) {
	q := strings.ToLower(strings.TrimSpace(query))
	for i, it := range items {
		n, id := key(it)
		name := strings.ToLower(n)
		if id == q {
			return &items[i], nil, nil
		}
		if name == q {
			exact = append(exact, it)
		}
		if q != "" && (strings.HasPrefix(name, q) || strings.HasPrefix(id, q)) {
			prefix = append(prefix, it)
		}
	}
	return nil, exact, prefix
}

// NewCell founds a cell with me as its first member.
func (s *Service) NewCell(name string) (*CellView, error) {
	c, err := crdt.Found(s.me(), name, s.opt.now())
	if err != nil {
		return nil, err
	}
	if keys, need, _, err := s.guardianKeys(); err != nil {
		return nil, err
	} else if keys != nil {
		if _, err := c.NameGuardians(s.me(), keys, need, s.opt.now()); err != nil {
			return nil, err
		}
	}
	return s.addCell(c)
}

// addCell stores a cell this device made and returns its view.
func (s *Service) addCell(c *crdt.Cell) (*CellView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var views []*CellView
	err := s.afresh(func() error {
		cells, err := s.loadCells()
		if err == nil {
			views, err = s.saveCells(cells, c)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return views[0], nil
}

// saveCells stores the changed cells in one transaction, learns the cards it carries as introduced contacts,
// and returns its view. On failure the cached cells are dropped, so the
// next use reloads what the store really holds; errStale if another
// program changed one of them since cells were read (the caller makes its
// change again, see afresh). The caller holds s.mu.
func (s *Service) saveCells(cells map[crdt.CellID]*crdt.Cell, changed ...*crdt.Cell) ([]*CellView, error) {
	var views []*CellView
	ds, err := deltas(changed)
	if err != nil {
		return nil, err
	}
	s.beforeWriting()
	err = s.db.Update(func(tx *store.Tx) error {
		if err := s.unchanged(tx, idsOf(changed)...); err != nil {
			return err
		}
		all := maps(cells, changed)
		for i, c := range changed {
			if err := putCell(tx, c, ds[i]); err != nil {
				return err
			}
			if err := s.learnCards(tx, c, cells[c.ID()], all); err != nil {
				return err
			}
		}
		names, err := s.names(tx, all)
		if err != nil {
			return err
		}
		for _, c := range changed {
			views = append(views, s.view(c, names, metIn(tx)))
		}
		return nil
	})
	if err != nil {
		s.cells = nil
		return nil, err
	}
	for _, c := range changed {
		cells[c.ID()] = c
	}
	s.stored(changed, ds, false)
	return views, nil
}

func maps(cells map[crdt.CellID]*crdt.Cell, extra []*crdt.Cell) map[crdt.CellID]*crdt.Cell {
	all := make(map[crdt.CellID]*crdt.Cell, len(cells)+len(extra))
	for id, c := range cells {
		all[id] = c
	}
	for _, c := range extra {
		all[c.ID()] = c
	}
	return all
}

// learnCards adds every card published in c that this device does not hold
// yet as an introduced contact, and takes newer cards of known contacts.
// Given the cell as it was before (nil if new), it looks only at cards
// that came with the change; all is every cell as it will be.
func (s *Service) learnCards(tx *store.Tx, c, before *crdt.Cell, all map[crdt.CellID]*crdt.Cell) error {
	me := s.me().Card.ID()
	var old map[identity.ID]*identity.Card
	if before != nil {
		old = before.State().Cards
	}
	for id, card := range c.State().Cards {
		if id == me {
			continue
		}
		if was := old[id]; was != nil && (was == card || bytes.Equal(was.Bytes(), card.Bytes())) {
			continue
		}
		have, err := getContact(tx, id)
		switch {
		case errors.Is(err, ErrNotFound):
			err = putNewContact(tx, &Contact{Card: card, Verified: Introduced, Added: s.opt.now()})
		case err == nil && card.Created.After(have.Card.Created):
			pinName(have, card)
			have.Card = card
			err = putContact(tx, have)
		}
		if err != nil {
			return err
		}
	}
	return s.followReplacements(tx, c, before, all)
}

// pinName keeps, for a contact of my own doing known by their card's
// name, that name when their newer card next brings another: the name I
// met, checked or added them under stays theirs on this device, so a
// person cannot take on the name of another I know (their card says
// anything its holder likes; TestAttackVerifiedContactTakesAnotherName).
// Someone only introduced through a cell is shown by what their card
// says.
func pinName(have *Contact, next *identity.Card) {
	if have.Petname != "" || next.Pseudonym == have.Card.Pseudonym || !chosen(have) {
		return
	}
	if pet, err := normalizePetname(have.Card.Pseudonym); err == nil {
		have.Petname = pet
	}
}

// loadCell returns the cell with id among the cells as stored now
// (loadCells), and all of them; ErrNoSuchCell if none has id. The
// caller holds s.mu.
func (s *Service) loadCell(id crdt.CellID) (*crdt.Cell, map[crdt.CellID]*crdt.Cell, error) {
	cells, err := s.loadCells()
	if err != nil {
		return nil, nil, err
	}
	c, ok := cells[id]
	if !ok {
		return nil, nil, ErrNoSuchCell
	}
	return c, cells, nil
}

// changeCell runs a local change on the cell with id and stores the result.
// The change runs on a copy, so a failure leaves the cell as it was.
func (s *Service) changeCell(id crdt.CellID, change func(c *crdt.Cell) error) (*CellView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var views []*CellView
	err := s.afresh(func() error {
		c, cells, err := s.loadCell(id)
		if err != nil {
			return err
		}
		work, err := c.Clone()
		if err != nil {
			return err
		}
		if err := change(work); err != nil {
			return err
		}
		views, err = s.saveCells(cells, work)
		return err
	})
	if err != nil {
		return nil, err
	}
	return views[0], nil
}

// ErrChangedElsewhere means another program on the same home (the
// desktop app and the command line at once) kept changing the cells while
// a change was being made here, so it was not made.
var ErrChangedElsewhere = errors.New("another program kept changing the cells of this home")

// errStale means a cell changed in the store since this service read it.
var errStale = errors.New("a cell changed in the store since it was read")

// maxStaleTries bounds how often a change is made again because another
// program changed the cells it was made from.
const maxStaleTries = 5

// unchanged returns errStale unless the store holds, for each cell of
// ids, the header this service read or wrote it with (and none for a
// cell it does not hold). In a write transaction (BEGIN IMMEDIATE: no
// other program writes until it ends) it makes sure a change is written
// over the cells it was made from, not over what another program on the
// same home stored meanwhile (TestAttackInterleavedChangeLost). The
// caller holds s.mu.
func (s *Service) unchanged(tx *store.Tx, ids ...crdt.CellID) error {
	for _, id := range ids {
		h, err := tx.Get(bucketCell, nil, id[:])
		stored := err == nil
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		if err != nil {
			return err
		}
		held, ok := s.headers[id]
		if ok != stored || held != string(h) {
			return errStale
		}
	}
	return nil
}

// afresh runs change, which reads the cells (loadCells) and stores a
// change made from them, again from the cells as stored when it fails
// with errStale, at most maxStaleTries times; then ErrChangedElsewhere,
// and nothing changed. Nothing else is shown: the view a change returns
// is of the cells with both programs' changes.
//
// A held cell reads its statements back from the store only when it
// needs them, after loadCells checked its header: when another program
// stored the cell in between, the read says crdt.ErrStoreMoved, which is
// stale too (TestStoreMovedAfterHeaders). The caller holds s.mu.
func (s *Service) afresh(change func() error) error {
	for try := 1; ; try++ {
		err := change()
		if !errors.Is(err, errStale) && !errors.Is(err, crdt.ErrStoreMoved) {
			return err
		}
		s.cells = nil
		if try == maxStaleTries {
			return ErrChangedElsewhere
		}
		// The other program may be writing in a loop (a script): wait a
		// little, a random while, so that the next try can get between.
		time.Sleep(time.Duration(1+rand.IntN(10*try)) * time.Millisecond)
	}
}

// beforeWriting runs the test hook beforeWrite, if set.
func (s *Service) beforeWriting() {
	if s.beforeWrite != nil {
		s.beforeWrite()
	}
}

func idsOf(cells []*crdt.Cell) []crdt.CellID {
	ids := make([]crdt.CellID, len(cells))
	for i, c := range cells {
		ids[i] = c.ID()
	}
	return ids
}

// contactCard returns the card of a contact or of a person known in a cell.
func (s *Service) cardOf(id identity.ID) (*identity.Card, error) {
	var card *identity.Card
	err := s.db.View(func(tx *store.Tx) error {
		c, err := getContact(tx, id)
		if err != nil {
			return err
		}
		card = c.Card
		return nil
	})
	return card, err
}

// Admit vouches for a contact in a cell and shares their card with it:
// with the cell's default policy they are invited at once, and become a
// member when they accept on their own device.
func (s *Service) Admit(cell crdt.CellID, person identity.ID) (*CellView, error) {
	card, err := s.cardOf(person)
	if err != nil {
		return nil, err
	}
	return s.changeCell(cell, func(c *crdt.Cell) error {
		_, err := c.Admit(s.me(), card, s.opt.now())
		return err
	})
}

// VoteExclude adds my vote to exclude a member from a cell. They are
// excluded once enough members voted.
func (s *Service) VoteExclude(cell crdt.CellID, person identity.ID) (*CellView, error) {
	return s.changeCell(cell, func(c *crdt.Cell) error {
		_, err := c.VoteExclude(s.me(), person, s.opt.now())
		return err
	})
}

// JoinCell accepts my invitation to a cell: from then on I am a member
// (once enough members have vouched) and my statements go into it.
func (s *Service) JoinCell(cell crdt.CellID) (*CellView, error) {
	keys, need, _, err := s.guardianKeys()
	if err != nil {
		return nil, err
	}
	return s.changeCell(cell, func(c *crdt.Cell) error {
		if _, err := c.Join(s.me(), s.opt.now()); err != nil {
			return err
		}
		if keys == nil || !c.State().IsMember(s.me().Card.ID()) {
			return nil
		}
		_, err := c.NameGuardians(s.me(), keys, need, s.opt.now())
		return err
	})
}

// DeclineCell turns down my invitation to a cell: the device forgets the
// cell and remembers that I turned it down, so that a later sync file
// bringing the same invitation does not show it again (until
// [Service.TakeBackDecline]). Nothing of mine was in it. It fails with
// crdt.ErrNotAllowed if I am not invited to that cell but a member or
// former member of it.
func (s *Service) DeclineCell(cell crdt.CellID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.afresh(func() error { return s.decline(cell) })
}

// decline is DeclineCell from the cells as stored now. The caller holds
// s.mu.
func (s *Service) decline(cell crdt.CellID) error {
	c, all, err := s.loadCell(cell)
	if err != nil {
		return err
	}
	if !c.State().IsInvited(s.me().Card.ID()) {
		return fmt.Errorf("%w: you can only turn down an invitation you have not accepted", crdt.ErrNotAllowed)
	}
	me, st := s.me().Card.ID(), c.State()
	s.beforeWriting()
	err = s.db.Update(func(tx *store.Tx) error {
		if err := s.unchanged(tx, cell); err != nil {
			return err // I may have accepted it with the other program
		}
		by := invitedBy(st, me, metIn(tx))
		d := declinedRecord{Name: st.Name, From: by[:], Founder: st.Founder[:], At: s.opt.now().Unix()}
		if err := putRecord(tx, bucketDeclined, cell[:], d); err != nil {
			return err
		}
		return forgetCell(tx, cell)
	})
	if err != nil {
		s.cells = nil
		return err
	}
	delete(all, cell)
	delete(s.headers, cell)
	return nil
}

// LeaveCell ends my membership of a cell.
func (s *Service) LeaveCell(cell crdt.CellID) (*CellView, error) {
	return s.changeCell(cell, func(c *crdt.Cell) error {
		_, err := c.Leave(s.me(), s.opt.now())
		return err
	})
}

// SetPolicy adds my vote for new rules in a cell. They change when
// enough members have voted for the same rules (CellView.PolicyVotesNeeded).
func (s *Service) SetPolicy(cell crdt.CellID, p crdt.Policy) (*CellView, error) {
	return s.changeCell(cell, func(c *crdt.Cell) error {
		_, err := c.SetPolicy(s.me(), p, s.opt.now())
		return err
	})
}

// Rate records my rating of a person in cells. With no cells named, it goes
// to every cell where both of us are current members; a person in none of
// them needs the cells named. It returns the views of the cells rated in.
func (s *Service) Rate(subject identity.ID, r crdt.Rating, cells []crdt.CellID) ([]*CellView, error) {
	card, err := s.cardOf(subject)
	if err != nil {
		return nil, err
	}
	if r.Day == "" {
		r.Day = s.opt.now().Format("2006-01-02")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var views []*CellView
	err = s.afresh(func() (err error) {
		views, err = s.rate(card, r, cells)
		return err
	})
	return views, err
}

// rate stores my rating r of card's holder in cells (none named: every
// cell we are both members of), made from the cells as stored now. The
// caller holds s.mu.
func (s *Service) rate(card *identity.Card, r crdt.Rating, cells []crdt.CellID) ([]*CellView, error) {
	subject := card.ID()
	all, err := s.loadCells()
	if err != nil {
		return nil, err
	}
	me := s.me().Card.ID()
	if len(cells) == 0 {
		for id, c := range all {
			if st := c.State(); st.IsMember(me) && st.IsMember(subject) {
				cells = append(cells, id)
			}
		}
		if len(cells) == 0 {
			return nil, ErrNoSharedCell
		}
	}
	cells = slices.Clone(cells) // a second try starts from what was asked
	slices.SortFunc(cells, func(a, b crdt.CellID) int { return strings.Compare(a.String(), b.String()) })
	cells = slices.Compact(cells)
	named, err := namedCells(all, cells, func(st *crdt.State) bool { return st.IsMember(me) })
	if err != nil {
		return nil, err
	}
	var changed []*crdt.Cell
	for _, c := range named {
		work, err := c.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := work.Rate(s.me(), card, r, s.opt.now()); err != nil {
			return nil, err
		}
		changed = append(changed, work)
	}
	return s.saveCells(all, changed...)
}

// CellDocument returns a cell's whole Automerge document, for other tools.
func (s *Service) CellDocument(cell crdt.CellID) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var doc []byte
	err := s.afresh(func() error {
		c, _, err := s.loadCell(cell)
		if err != nil {
			return err
		}
		doc, err = c.Document()
		return err
	})
	return doc, err
}

// checker returns the checker for bytes from outside.
func (s *Service) checker() *crdt.Checker {
	if s.opt.Checker != nil {
		return s.opt.Checker
	}
	return &s.own
}

// RulesSentence says a cell's rules in plain words: how many vouches let
// someone in, and how many votes exclude someone.
func RulesSentence(p crdt.Policy) string {
	return words.Count(p.AdmitVouches, "vouch", "vouches") + " to join; " + QuorumWords(p.ExcludeQuorum) + " to exclude someone"
}

// QuorumWords says how many votes exclude someone under a policy's
// exclude quorum q, as [crdt.Policy.VotesToExclude] counts them: a
// majority of the other members for 0, else q votes, or all the other
// members where there are fewer than q.
func QuorumWords(q int) string {
	switch {
	case q <= 0:
		return "a majority of the other members"
	case q == 1:
		return "1 vote"
	}
	return fmt.Sprintf("%s votes (all the other members where there are fewer)", words.Number(q))
}
