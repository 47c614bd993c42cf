package crdt

import (
	"bytes"
	"container/heap"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"trustdesk/identity"
)

// A Status is a person's standing in a cell.
type Status string

// The statuses a person admitted to a cell can have.
const (
	// StatusMember is a current member: they may make statements and
	// receive the cell.
	StatusMember Status = "member"
	// StatusPending is a person vouched for by fewer members than the
	// policy asks, or who has not accepted yet; they are not a member yet.
	StatusPending Status = "pending"
	// StatusInvited is a person vouched for by enough members who has
	// not accepted yet: they become a member with their acceptance (a
	// join statement, or any first statement of theirs in the cell).
	StatusInvited Status = "invited"
	// StatusExcluded is a former member voted out by a quorum.
	StatusExcluded Status = "excluded"
	// StatusLeft is a former member who left.
	StatusLeft Status = "left"
)

// A Member is a person who was ever admitted to the cell (or founded it).
type Member struct {
	// ID is the person's identity.
	ID identity.ID
	// Card is the newest card of the person published in the cell.
	Card *identity.Card
	// Status is the person's standing now.
	Status Status
	// VouchedBy lists the members whose vouches (admit statements) counted
	// for the person, in the order they counted. It is empty for the
	// founder.
	VouchedBy []identity.ID
	// Admission is the statement that made the person a member (the
	// founding statement for the founder; the last vouch needed
	// otherwise), or zero while pending.
	Admission StatementID
	// Joined is the person's acceptance: their join statement or first
	// statement in the cell (the founding statement for the founder),
	// zero while they have not accepted. It is cleared when they leave.
	Joined StatementID
	// End is the statement that ended the membership: the person's leave
	// statement or the statement that completed the exclusion quorum.
	End StatementID
	// ExcludedBy lists the members whose votes excluded the person.
	ExcludedBy []identity.ID
	// Vouches is, while the person waits for vouches (pending or
	// invited), how many of the vouches in VouchedBy count now toward
	// the policy's AdmitVouches: a voucher who left or was excluded
	// since took theirs back (§4.4). Zero for anyone else.
	Vouches int
	// Vouching lists, while the person waits for vouches, the members
	// whose vouches count now (Vouches of them), in the order they were
	// given: a member who left and was admitted again is here only once
	// they vouch again. Empty for anyone else.
	Vouching []identity.ID
}

// A RatingRecord is a rating that counts: the latest by its author about
// its subject.
type RatingRecord struct {
	// Statement is the rating statement's id.
	Statement StatementID
	// Cell is the cell the rating was made in.
	Cell CellID
	// Author is who rated.
	Author identity.ID
	// Subject is who was rated.
	Subject identity.ID
	// Rating holds the values.
	Rating Rating
	// Seq is the author's clock when rating.
	Seq uint64
	// Created is when the rating was made.
	Created time.Time
}

// A Vote is an open vote to exclude a member: its author and subject are
// both still members, and the quorum has not been reached yet.
type Vote struct {
	// Statement is the vote's statement id.
	Statement StatementID
	// Voter is who voted.
	Voter identity.ID
	// Subject is who they voted to exclude.
	Subject identity.ID
}

// A Proposal is a current member's open vote for a new policy.
type Proposal struct {
	// Statement is the policy statement's id.
	Statement StatementID
	// Voter is who proposed or seconded it.
	Voter identity.ID
	// Policy is the policy they voted for.
	Policy Policy
}

// A Reason says why a statement does not count.
type Reason string

// The reasons a statement is not counted.
const (
	// ReasonMalformed: the stored bytes are not a well-formed statement,
	// or are stored under a key that is not their id.
	ReasonMalformed Reason = "malformed"
	// ReasonWrongCell: the statement is signed for another cell.
	ReasonWrongCell Reason = "wrong cell"
	// ReasonUnknownAuthor: no card of the author is in the cell, so the
	// signature cannot be checked.
	ReasonUnknownAuthor Reason = "unknown author"
	// ReasonBadSignature: the signature does not match the content.
	ReasonBadSignature Reason = "bad signature"
	// ReasonMissingPrev: a statement it builds on is not in the cell (yet).
	ReasonMissingPrev Reason = "missing prev"
	// ReasonNoAuthority: the author had no authority for it at that point
	// (not a member, subject not a member, and so on).
	ReasonNoAuthority Reason = "no authority"
	// ReasonExcluded: the author was excluded, and the statement was not
	// seen by the vote that excluded them (it was concurrent with it).
	ReasonExcluded Reason = "author excluded"
	// ReasonLeft: the author left, and the statement was concurrent with
	// their leave statement.
	ReasonLeft Reason = "author left"
	// ReasonDuplicateFound: a second founding statement for the cell.
	ReasonDuplicateFound Reason = "second founding statement"
	// ReasonSuperseded: a rating replaced by a later one of the same
	// author about the same person. It is listed only in
	// [State.Superseded], never in [State.Invalid].
	ReasonSuperseded Reason = "superseded"
)

// Rejected describes a statement that does not count.
type Rejected struct {
	// Key is the key the bytes are stored under in the document.
	Key string
	// ID is the statement's id, or zero if the bytes do not decode.
	ID StatementID
	// Author is the statement's author, or zero if the bytes do not decode.
	Author identity.ID
	// Kind is the statement's kind, or zero if the bytes do not decode.
	Kind Kind
	// Reason is why it does not count.
	Reason Reason
	// Detail says more, in English, for `inspect` and verbose output.
	Detail string
}

// State is the derived state of a cell: what every replica holding the
// same statements shows. It is computed by [Cell.State] and must not be
// modified.
type State struct {
	// Cell is the cell's id.
	Cell CellID
	// Founded is false until the founding statement is present.
	Founded bool
	// Name is the cell's name.
	Name string
	// Founder is the founder's identity.
	Founder identity.ID
	// Policy is the cell's policy now.
	Policy Policy
	// Members lists everyone ever admitted, in the order they were first
	// vouched for (the founder first).
	Members []Member
	// Ratings lists the ratings that count, sorted by author then subject.
	Ratings []RatingRecord
	// Votes lists the open exclusion votes, sorted by subject then voter.
	Votes []Vote
	// Proposals lists the open votes for a new policy, sorted by voter.
	Proposals []Proposal
	// Cards maps every person whose card was published by a counted
	// statement to their newest card.
	Cards map[identity.ID]*identity.Card
	// Counted is the number of statements that count, including
	// superseded ratings.
	Counted int
	// Superseded lists ratings replaced by a later rating of the same
	// author about the same subject.
	Superseded []StatementID
	// Invalid lists the statements that do not count, sorted by key.
	Invalid []Rejected
	// Heads are the ids of the statements no other statement builds on;
	// a new statement's Prev.
	Heads []StatementID
	// Replaced lists the cards replaced in the cell (SCHEMA §4.5),
	// sorted by old card.
	Replaced []Replacement

	succ *successionInfo // guardians in force (succession.go)

	members map[identity.ID]int    // index into Members
	seq     map[identity.ID]uint64 // largest seq per author

	// What the history holds, whether it counts or not (see
	// historyOf): the kinds of its well-formed statements of this cell
	// (kindBit), and whom their votes to exclude name.
	kinds uint32
	voted map[identity.ID]bool
}

// kindBit is k's bit in State.kinds; kinds this program does not know
// past 30 share the last bit.
func kindBit(k Kind) uint32 { return 1 << min(uint(k), 31) }

// historyOf records in st what entries hold, counted or not: the kinds
// of the well-formed statements of st's cell and the subjects of their
// votes to exclude, so that a statement made on the device can be
// appended to st without reading them again (appendRatings).
func historyOf(st *State, entries []*entry) {
	for _, e := range entries {
		e.decode()
		if !e.keyOK || e.stmt.Cell != st.Cell {
			continue
		}
		st.kinds |= kindBit(e.stmt.Kind)
		if e.stmt.Kind == KindExclude {
			if st.voted == nil {
				st.voted = map[identity.ID]bool{}
			}
			st.voted[e.stmt.Subject] = true
		}
	}
}

// Member returns the member record of id, if id was ever admitted.
func (s *State) Member(id identity.ID) (*Member, bool) {
	i, ok := s.members[id]
	if !ok {
		return nil, false
	}
	return &s.Members[i], true
}

// IsMember reports whether id is a current member.
func (s *State) IsMember(id identity.ID) bool {
	m, ok := s.Member(id)
	return ok && m.Status == StatusMember
}

// CurrentMembers returns the ids of the current members, in member order.
func (s *State) CurrentMembers() []identity.ID {
	var ids []identity.ID
	for _, m := range s.Members {
		if m.Status == StatusMember {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// IsInvited reports whether id has been vouched for or invited and has
// not accepted yet.
func (s *State) IsInvited(id identity.ID) bool {
	m, ok := s.Member(id)
	return ok && (m.Status == StatusInvited || m.Status == StatusPending) && m.Joined == (StatementID{})
}

// Receives reports whether id is sent the cell: a current member, or
// someone invited who needs the cell to accept.
func (s *State) Receives(id identity.ID) bool {
	m, ok := s.Member(id)
	return ok && (m.Status == StatusMember || m.Status == StatusInvited)
}

// Recipients returns the people sent the cell (see Receives), in member
// order.
func (s *State) Recipients() []identity.ID {
	var ids []identity.ID
	for _, m := range s.Members {
		if m.Status == StatusMember || m.Status == StatusInvited {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// CanAdmit says whether voucher, a current member, may vouch for person
// now: nil, or an error wrapping [ErrNotAllowed] that says why not.
func (s *State) CanAdmit(voucher, person identity.ID) error {
	if !s.IsMember(voucher) {
		return fmt.Errorf("%w: you are not a member of this cell", ErrNotAllowed)
	}
	if person == voucher {
		return fmt.Errorf("%w: you cannot admit yourself", ErrNotAllowed)
	}
	if m, ok := s.Member(person); ok {
		switch {
		case m.Status == StatusMember:
			return fmt.Errorf("%w: they are a member already", ErrNotAllowed)
		case m.Status == StatusExcluded:
			return fmt.Errorf("%w: they were excluded from this cell", ErrNotAllowed)
		case (m.Status == StatusPending || m.Status == StatusInvited) && slices.Contains(m.Vouching, voucher):
			return fmt.Errorf("%w: you vouched for them already", ErrNotAllowed)
		}
	}
	return nil
}

// VouchesCounted returns how many vouches for person count now toward
// the policy's AdmitVouches while they wait for vouches, as the rules
// count them (Member.Vouches); len(VouchedBy) for anyone else.
func (s *State) VouchesCounted(person identity.ID) int {
	m, ok := s.Member(person)
	switch {
	case !ok:
		return 0
	case m.Status == StatusPending || m.Status == StatusInvited:
		return m.Vouches
	}
	return len(m.VouchedBy)
}

// CanVoteExclude says whether voter, a current member, may vote now to
// exclude subject: nil, or an error wrapping [ErrNotAllowed].
func (s *State) CanVoteExclude(voter, subject identity.ID) error {
	if !s.IsMember(voter) {
		return fmt.Errorf("%w: you are not a member of this cell", ErrNotAllowed)
	}
	if subject == voter {
		return fmt.Errorf("%w: you cannot vote to exclude yourself", ErrNotAllowed)
	}
	m, ok := s.Member(subject)
	if !ok || m.Status == StatusExcluded {
		return fmt.Errorf("%w: they are not a member", ErrNotAllowed)
	}
	for _, v := range s.Votes {
		if v.Subject == subject && v.Voter == voter {
			return fmt.Errorf("%w: you voted to exclude them already", ErrNotAllowed)
		}
	}
	return nil
}

// VotesToExclude returns how many votes of current members exclude
// subject now, or 0 if they cannot be excluded (they are excluded
// already, were never admitted, or nobody else is a member). When the
// open votes reach the policy's need already, they were all cast before
// the quorum was lowered (SCHEMA §3): one more completes the exclusion.
func (s *State) VotesToExclude(subject identity.ID) int {
	m, ok := s.Member(subject)
	if !ok || m.Status == StatusExcluded {
		return 0
	}
	others := len(s.CurrentMembers())
	if m.Status == StatusMember {
		others--
	}
	need := s.Policy.VotesToExclude(others)
	if n := len(s.VotesAgainst(subject)); need > 0 && n >= need {
		return n + 1
	}
	return need
}

// VotesAgainst returns the open votes to exclude subject.
func (s *State) VotesAgainst(subject identity.ID) []Vote {
	var vs []Vote
	for _, v := range s.Votes {
		if v.Subject == subject {
			vs = append(vs, v)
		}
	}
	return vs
}

// VotesToChangePolicy returns how many current members must vote for
// the same new policy for it to take effect now.
func (s *State) VotesToChangePolicy() int {
	return s.Policy.VotesToChange(len(s.CurrentMembers()))
}

// RatingsAbout returns the counted ratings whose subject is id.
func (s *State) RatingsAbout(id identity.ID) []RatingRecord {
	var rs []RatingRecord
	for _, r := range s.Ratings {
		if r.Subject == id {
			rs = append(rs, r)
		}
	}
	return rs
}

// Digest returns a hash of everything in the state, so two replicas (or
// the checking worker and the main process) can compare states cheaply.
func (s *State) Digest() [32]byte {
	h := sha256.New()
	var buf [8]byte
	u := func(v uint64) { binary.BigEndian.PutUint64(buf[:], v); h.Write(buf[:]) }
	str := func(v string) { u(uint64(len(v))); h.Write([]byte(v)) }
	h.Write([]byte("trustdesk/state/v1\x00"))
	h.Write(s.Cell[:])
	str(s.Name)
	h.Write(s.Founder[:])
	u(uint64(s.Policy.AdmitVouches))
	u(uint64(s.Policy.ExcludeQuorum))
	u(uint64(len(s.Members)))
	for _, m := range s.Members {
		h.Write(m.ID[:])
		str(string(m.Status))
		u(uint64(len(m.VouchedBy)))
		for _, v := range m.VouchedBy {
			h.Write(v[:])
		}
		h.Write(m.Admission[:])
		h.Write(m.Joined[:])
		h.Write(m.End[:])
		u(uint64(len(m.ExcludedBy)))
		for _, v := range m.ExcludedBy {
			h.Write(v[:])
		}
		if m.Status == StatusPending || m.Status == StatusInvited {
			u(uint64(m.Vouches)) // the status, hashed above, says it follows
			u(uint64(len(m.Vouching)))
			for _, v := range m.Vouching {
				h.Write(v[:])
			}
		}
	}
	u(uint64(len(s.Ratings)))
	for _, r := range s.Ratings {
		h.Write(r.Statement[:])
	}
	u(uint64(len(s.Votes)))
	for _, v := range s.Votes {
		h.Write(v.Statement[:])
	}
	u(uint64(len(s.Proposals)))
	for _, p := range s.Proposals {
		h.Write(p.Statement[:])
	}
	ids := make([]identity.ID, 0, len(s.Cards))
	for id := range s.Cards {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b identity.ID) int { return bytes.Compare(a[:], b[:]) })
	u(uint64(len(ids)))
	for _, id := range ids {
		h.Write(s.Cards[id].Bytes())
	}
	u(uint64(s.Counted))
	u(uint64(len(s.Invalid)))
	for _, r := range s.Invalid {
		str(r.Key)
		str(string(r.Reason))
	}
	u(uint64(len(s.Heads)))
	for _, id := range s.Heads {
		h.Write(id[:])
	}
	for _, r := range s.Replaced { // none in cells without replacements
		h.Write(r.Old[:])
		h.Write(r.New[:])
		h.Write(r.Statement[:])
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// entry is one key/value pair of the document's statement map, decoded.
type entry struct {
	key   string
	raw   []byte
	stmt  *Statement // nil if the bytes did not decode
	err   error      // why they did not
	keyOK bool       // key is the statement's id
	sig   int8       // signature: 0 not checked yet, 1 good, -1 bad

	// trusted marks bytes this device checked in full before (read from
	// its own snapshot with a good signature): decoding skips the
	// canonical-form check.
	trusted bool

	decoded bool // stmt, err and keyOK are set

	// stored is the signature check the device's own storage recorded
	// for these bytes, given to sig when they are decoded (entriesOf).
	stored int8
}

// decode decodes e's bytes, once.
func (e *entry) decode() {
	if e.decoded {
		return
	}
	e.decoded = true
	e.stmt, e.err = decodeStatement(e.raw, e.trusted)
	e.keyOK = e.stmt != nil && e.key == e.stmt.id.String()
	if e.keyOK && e.sig == 0 {
		e.sig = e.stored
	}
}

// verifySignature is the verifier used by cells.
func verifySignature(s *Statement, author *identity.Card) bool { return s.Verify(author) == nil }

// parallel calls f(0) ... f(n-1) spread over the available processors.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/64+1)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				f(i)
			}
		})
	}
	wg.Wait()
}

// verifier checks a statement's signature; Cell caches its results.
type verifier func(s *Statement, author *identity.Card) bool

// node is a statement in the graph, in processing order.
type node struct {
	e    *entry
	prev []int // indexes of prev nodes in order
	next []int // indexes of nodes that have this one in prev

	// anc and desc, once worked out (ancestors, descendants), mark the
	// statements before and after this one in the graph; the trials of
	// one derivation ask for the same ones again and again.
	anc, desc []bool
	// ancestry, on the first node of an order, is its ancestry
	// (ancestry.go), once worked out.
	ancestry *ancestry
}

// derive computes the state of cell from the stored entries. It is a pure
// function of the set of (key, bytes) pairs; see SCHEMA.md, "Derived
// state", which it implements step by step.
func derive(cell CellID, entries []*entry, verify verifier) *State {
	st, _ := deriveWithin(cell, entries, verify, 0)
	return st
}

// deriveWithin is derive with a work limit (0: none): it returns
// [ErrTooComplex] instead of a state when the rules would take more work
// than limit (SCHEMA §4.6).
func deriveWithin(cell CellID, entries []*entry, verify verifier, limit int) (*State, error) {
	st := &State{Cell: cell, Cards: map[identity.ID]*identity.Card{}}
	historyOf(st, entries)
	reject := func(e *entry, r Reason, detail string) {
		rj := Rejected{Key: e.key, Reason: r, Detail: detail}
		if e.stmt != nil {
			rj.ID, rj.Author, rj.Kind = e.stmt.id, e.stmt.Author, e.stmt.Kind
		}
		st.Invalid = append(st.Invalid, rj)
	}

	nodes := signed(cell, entries, verify, reject)

	// Step 3: total order. Kahn's algorithm over the prev graph; among the
	// statements whose prevs are all placed, the smallest id goes first.
	// Statements whose prevs never all arrive are held.
	order, pos, index := totalOrder(nodes)
	if len(order) < len(nodes) {
		for i, e := range nodes {
			if pos[i] >= 0 {
				continue
			}
			missing := 0
			for _, p := range e.stmt.Prev {
				if _, ok := index[p]; !ok {
					missing++
				}
			}
			if missing > 0 {
				reject(e, ReasonMissingPrev, "builds on a statement that is not in the cell or does not carry a valid signature")
			} else {
				reject(e, ReasonMissingPrev, "builds on a statement that is waiting for a missing one")
			}
		}
	}

	// Heads: placed statements that no placed statement builds on.
	for _, n := range order {
		if len(n.next) == 0 {
			st.Heads = append(st.Heads, n.e.stmt.id)
		}
	}
	slices.SortFunc(st.Heads, compareIDs)

	// Step 4: apply the rules (rules.go, SCHEMA §4.4) to the statements
	// as replaced cards leave them (succession.go, SCHEMA §4.5).
	b := newBudget(limit)
	a, sc := resolveReplaced(cell, order, b)
	if b.over() {
		return nil, ErrTooComplex
	}
	a.fill(st)
	for _, r := range a.rejected {
		if !sc.inert[r.at] {
			reject(order[r.at].e, r.reason, r.detail)
		}
	}
	sc.fill(st, func(at int, r Reason, detail string) { reject(order[at].e, r, detail) })
	slices.SortFunc(st.Invalid, func(x, y Rejected) int { return strings.Compare(x.Key, y.Key) })
	return st, nil
}

// signed returns the entries that pass steps 1 and 2 of SCHEMA §4: well
// formed, stored under their id, for this cell, and signed by their
// author; it rejects the others.
func signed(cell CellID, entries []*entry, verify verifier, reject func(*entry, Reason, string)) []*entry {
	// Step 1: well-formed, stored under its id, for this cell.
	var good []*entry
	for _, e := range entries {
		switch {
		case e.stmt == nil:
			reject(e, ReasonMalformed, e.err.Error())
		case !e.keyOK:
			reject(e, ReasonMalformed, "stored under a key that is not its id")
		case e.stmt.Cell != cell:
			reject(e, ReasonWrongCell, "signed for cell "+e.stmt.Cell.String())
		default:
			good = append(good, e)
		}
	}

	// Step 2: signatures, checked with the cards carried by any
	// well-formed statement (cards are self-signed, so where a card comes
	// from does not matter for checking signatures).
	cards := map[identity.ID]*identity.Card{}
	for _, e := range good {
		if c := e.stmt.Card; c != nil {
			keepNewer(cards, c)
		}
	}
	var todo []*entry
	for _, e := range good {
		if e.sig == 0 && cards[e.stmt.Author] != nil {
			todo = append(todo, e)
		}
	}
	parallel(len(todo), func(i int) { checkSig(todo[i], cards[todo[i].stmt.Author], verify) })
	var nodes []*entry
	for _, e := range good {
		card := cards[e.stmt.Author]
		switch {
		case card == nil:
			reject(e, ReasonUnknownAuthor, "no card of the author "+e.stmt.Author.String()+" in the cell")
		case !checkSig(e, card, verify):
			reject(e, ReasonBadSignature, "signature does not match the author's card")
		default:
			nodes = append(nodes, e)
		}
	}
	return nodes
}

// totalOrder places the verified statements in the total order of
// SCHEMA step 3: Kahn's algorithm over the prev graph; among the
// statements whose prevs are all placed, the smallest id goes first.
// pos gives each statement's place in order, or -1 when one of its prevs
// never arrived; index maps ids to positions in nodes.
func totalOrder(nodes []*entry) (order []*node, pos []int32, index map[StatementID]int32) {
	index = make(map[StatementID]int32, len(nodes))
	for i, e := range nodes {
		index[e.stmt.id] = int32(i)
	}
	waiting := make([]int32, len(nodes))
	children := make([][]int32, len(nodes))
	ready := idHeap{nodes: nodes}
	for i, e := range nodes {
		for _, p := range e.stmt.Prev {
			if pi, ok := index[p]; ok {
				children[pi] = append(children[pi], int32(i))
			}
		}
		waiting[i] = int32(len(e.stmt.Prev))
		if waiting[i] == 0 {
			ready.items = append(ready.items, int32(i))
		}
	}
	heap.Init(&ready)
	order = make([]*node, 0, len(nodes))
	pos = make([]int32, len(nodes))
	for i := range pos {
		pos[i] = -1
	}
	for ready.Len() > 0 {
		i := heap.Pop(&ready).(int32)
		e := nodes[i]
		n := &node{e: e}
		for _, p := range e.stmt.Prev {
			pi := int(pos[index[p]])
			n.prev = append(n.prev, pi)
			order[pi].next = append(order[pi].next, len(order))
		}
		pos[i] = int32(len(order))
		order = append(order, n)
		for _, c := range children[i] {
			waiting[c]--
			if waiting[c] == 0 {
				heap.Push(&ready, c)
			}
		}
	}
	return order, pos, index
}

// checkSig verifies e's signature once and remembers the result in e.
func checkSig(e *entry, card *identity.Card, verify verifier) bool {
	if e.sig == 0 {
		e.sig = -1
		if verify(e.stmt, card) {
			e.sig = 1
		}
	}
	return e.sig > 0
}

func newerCard(a, b *identity.Card) bool {
	if !a.Created.Equal(b.Created) {
		return a.Created.After(b.Created)
	}
	return bytes.Compare(a.Bytes(), b.Bytes()) > 0
}
