package crdt

import (
	"bytes"
	"container/heap"
	"crypto/sha256"
	"encoding/binary"
	"runtime"
	"slices"
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
	// policy asks; they are not a member yet.
	StatusPending Status = "pending"
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
	// End is the statement that ended the membership: the person's leave
	// statement or the statement that completed the exclusion quorum.
	End StatementID
	// ExcludedBy lists the members whose votes excluded the person.
	ExcludedBy []identity.ID
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

	members map[identity.ID]int    // index into Members
	seq     map[identity.ID]uint64 // largest seq per author
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
		h.Write(m.End[:])
		u(uint64(len(m.ExcludedBy)))
		for _, v := range m.ExcludedBy {
			h.Write(v[:])
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
}

// decode decodes e's bytes, once.
func (e *entry) decode() {
	if e.decoded {
		return
	}
	e.decoded = true
	e.stmt, e.err = decodeStatement(e.raw, e.trusted)
	e.keyOK = e.stmt != nil && e.key == e.stmt.id.String()
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
}

// derive computes the state of cell from the stored entries. It is a pure
// function of the set of (key, bytes) pairs; see SCHEMA.md, "Derived
// state", which it implements step by step.
func derive(cell CellID, entries []*entry, verify verifier) *State {
	st := &State{Cell: cell, Cards: map[identity.ID]*identity.Card{}}
	reject := func(e *entry, r Reason, detail string) {
		rj := Rejected{Key: e.key, Reason: r, Detail: detail}
		if e.stmt != nil {
			rj.ID, rj.Author, rj.Kind = e.stmt.id, e.stmt.Author, e.stmt.Kind
		}
		st.Invalid = append(st.Invalid, rj)
	}

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

	// Step 3: total order. Kahn's algorithm over the prev graph; among the
	// statements whose prevs are all placed, the smallest id goes first.
	// Statements whose prevs never all arrive are held.
	index := make(map[StatementID]int32, len(nodes))
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
	order := make([]*node, 0, len(nodes))
	pos := make([]int32, len(nodes))
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

	// Step 4: apply in order. Statements of an author concurrent with the
	// end of their membership are cut, and the pass is repeated until the
	// set of cut statements no longer grows.
	cut := map[int]Reason{}
	var a *applier
	for {
		a = newApplier(cell, order, cut)
		a.run()
		grew := false
		for _, ev := range a.ends {
			anc, desc := related(order, ev.at)
			for i, n := range order {
				if n.e.stmt.Author != ev.who || i == ev.at || anc[i] || desc[i] {
					continue
				}
				if _, ok := cut[i]; !ok {
					cut[i] = ev.reason
					grew = true
				}
			}
		}
		if !grew {
			break
		}
	}
	a.fill(st)
	for _, r := range a.rejected {
		reject(order[r.at].e, r.reason, r.detail)
	}
	slices.SortFunc(st.Invalid, func(x, y Rejected) int {
		if x.Key != y.Key {
			if x.Key < y.Key {
				return -1
			}
			return 1
		}
		return 0
	})
	return st
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

// related returns the ancestors and descendants of order[at].
func related(order []*node, at int) (anc, desc []bool) {
	anc = make([]bool, len(order))
	desc = make([]bool, len(order))
	stack := []int{at}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range order[i].prev {
			if !anc[p] {
				anc[p] = true
				stack = append(stack, p)
			}
		}
	}
	stack = append(stack, at)
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range order[i].next {
			if !desc[c] {
				desc[c] = true
				stack = append(stack, c)
			}
		}
	}
	return anc, desc
}

// idHeap is a min-heap of node indexes ordered by statement id.
type idHeap struct {
	nodes []*entry
	items []int32
}

func (h idHeap) Len() int { return len(h.items) }
func (h idHeap) Less(i, j int) bool {
	return compareIDs(h.nodes[h.items[i]].stmt.id, h.nodes[h.items[j]].stmt.id) < 0
}
func (h idHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *idHeap) Push(x any)   { h.items = append(h.items, x.(int32)) }
func (h *idHeap) Pop() any {
	old := h.items
	x := old[len(old)-1]
	h.items = old[:len(old)-1]
	return x
}

// applier runs the rules of SCHEMA.md over the ordered statements.
type applier struct {
	cell  CellID
	order []*node
	cut   map[int]Reason

	founded  bool
	name     string
	founder  identity.ID
	policy   Policy
	members  []*Member
	index    map[identity.ID]*Member
	cards    map[identity.ID]*identity.Card
	ratings  map[[2]identity.ID]int // -> order index
	votes    map[identity.ID]map[identity.ID]int
	counted  int
	supers   []StatementID
	rejected []rejection
	ends     []end
}

type rejection struct {
	at     int
	reason Reason
	detail string
}

// end records that who stopped being a member at order[at].
type end struct {
	who    identity.ID
	at     int
	reason Reason
}

func newApplier(cell CellID, order []*node, cut map[int]Reason) *applier {
	return &applier{
		cell: cell, order: order, cut: cut,
		index:   map[identity.ID]*Member{},
		cards:   map[identity.ID]*identity.Card{},
		ratings: map[[2]identity.ID]int{},
		votes:   map[identity.ID]map[identity.ID]int{},
	}
}

func (a *applier) isMember(id identity.ID) bool {
	m := a.index[id]
	return m != nil && m.Status == StatusMember
}

func (a *applier) noAuthority(at int, detail string) {
	a.rejected = append(a.rejected, rejection{at, ReasonNoAuthority, detail})
}

func (a *applier) run() {
	for i, n := range a.order {
		s := n.e.stmt
		if r, ok := a.cut[i]; ok {
			a.rejected = append(a.rejected, rejection{i, r, "made concurrently with the end of the author's membership"})
			continue
		}
		if s.Kind == KindFound {
			if a.founded {
				a.rejected = append(a.rejected, rejection{i, ReasonDuplicateFound, "the cell was already founded"})
				continue
			}
			a.founded = true
			a.name = s.Name
			a.founder = s.Author
			a.policy = s.Policy
			a.card(s.Card)
			m := a.member(s.Author)
			m.Status = StatusMember
			m.Admission = s.id
			a.counted++
			continue
		}
		if !a.founded {
			a.noAuthority(i, "the cell is not founded")
			continue
		}
		if !a.isMember(s.Author) {
			a.noAuthority(i, "the author is not a member")
			continue
		}
		switch s.Kind {
		case KindAdmit:
			id := s.Card.ID()
			m := a.index[id]
			if m != nil && (m.Status == StatusMember || m.Status == StatusExcluded) {
				a.noAuthority(i, "the person is already a member or was excluded")
				continue
			}
			a.card(s.Card)
			if m == nil {
				m = a.member(id)
			}
			if m.Status == StatusLeft {
				// Coming back after leaving: a fresh admission.
				m.Status, m.VouchedBy, m.End = StatusPending, nil, StatementID{}
			}
			if slices.Contains(m.VouchedBy, s.Author) {
				a.noAuthority(i, "the author already vouched for the person")
				continue
			}
			m.VouchedBy = append(m.VouchedBy, s.Author)
			a.counted++
			a.settle(i)
		case KindCard:
			a.card(s.Card)
			a.counted++
		case KindRate:
			if a.cards[s.Subject] == nil {
				a.noAuthority(i, "the rated person's card is not in the cell")
				continue
			}
			k := [2]identity.ID{s.Author, s.Subject}
			if old, ok := a.ratings[k]; ok {
				if a.order[old].e.stmt.Seq > s.Seq {
					a.supers = append(a.supers, s.id)
					a.counted++
					continue
				}
				a.supers = append(a.supers, a.order[old].e.stmt.id)
			}
			a.ratings[k] = i
			a.counted++
		case KindExclude:
			if !a.isMember(s.Subject) && (a.index[s.Subject] == nil || a.index[s.Subject].Status != StatusPending) {
				a.noAuthority(i, "the person is not a member")
				continue
			}
			if a.votes[s.Subject] == nil {
				a.votes[s.Subject] = map[identity.ID]int{}
			}
			if _, ok := a.votes[s.Subject][s.Author]; ok {
				a.noAuthority(i, "the author already voted")
				continue
			}
			a.votes[s.Subject][s.Author] = i
			a.counted++
			a.settle(i)
		case KindLeave:
			m := a.index[s.Author]
			m.Status = StatusLeft
			m.End = s.id
			delete(a.votes, s.Author)
			a.ends = append(a.ends, end{s.Author, i, ReasonLeft})
			a.counted++
			a.settle(i)
		case KindPolicy:
			a.policy = s.Policy
			a.counted++
			a.settle(i)
		default:
			a.noAuthority(i, "unknown kind")
		}
	}
}

func (a *applier) member(id identity.ID) *Member {
	m := &Member{ID: id, Status: StatusPending}
	a.members = append(a.members, m)
	a.index[id] = m
	return m
}

func (a *applier) card(c *identity.Card) { keepNewer(a.cards, c) }

// keepNewer puts c into cards unless cards holds a newer card of the same
// person.
func keepNewer(cards map[identity.ID]*identity.Card, c *identity.Card) {
	if old, ok := cards[c.ID()]; !ok || newerCard(c, old) {
		cards[c.ID()] = c
	}
}

// settle applies every admission and exclusion that the statement at
// order[at] completes, until nothing changes. Pending people are
// considered in member order, exclusions by subject id, so the result
// does not depend on map iteration.
func (a *applier) settle(at int) {
	for changed := true; changed; {
		changed = false
		for _, m := range a.members {
			if m.Status != StatusPending {
				continue
			}
			n := 0
			for _, v := range m.VouchedBy {
				if a.isMember(v) {
					n++
				}
			}
			if n >= a.policy.AdmitVouches {
				m.Status = StatusMember
				m.Admission = a.order[at].e.stmt.id
				changed = true
			}
		}
		subjects := make([]identity.ID, 0, len(a.votes))
		for id := range a.votes {
			subjects = append(subjects, id)
		}
		slices.SortFunc(subjects, func(x, y identity.ID) int { return bytes.Compare(x[:], y[:]) })
		for _, x := range subjects {
			m := a.index[x]
			if m == nil || (m.Status != StatusMember && m.Status != StatusPending) {
				delete(a.votes, x)
				continue
			}
			others := 0
			for _, o := range a.members {
				if o.Status == StatusMember && o.ID != x {
					others++
				}
			}
			if others == 0 {
				continue
			}
			need := others/2 + 1
			if q := a.policy.ExcludeQuorum; q > 0 {
				need = min(q, others)
			}
			var voters []identity.ID
			for v := range a.votes[x] {
				if a.isMember(v) && v != x {
					voters = append(voters, v)
				}
			}
			if len(voters) < need {
				continue
			}
			slices.SortFunc(voters, func(p, q identity.ID) int { return a.votes[x][p] - a.votes[x][q] })
			m.Status = StatusExcluded
			m.End = a.order[at].e.stmt.id
			m.ExcludedBy = voters
			delete(a.votes, x)
			a.ends = append(a.ends, end{x, at, ReasonExcluded})
			changed = true
		}
	}
}

// fill copies the result into st.
func (a *applier) fill(st *State) {
	st.Founded, st.Name, st.Founder, st.Policy = a.founded, a.name, a.founder, a.policy
	st.members = map[identity.ID]int{}
	for i, m := range a.members {
		m.Card = a.cards[m.ID]
		st.Members = append(st.Members, *m)
		st.members[m.ID] = i
	}
	st.Cards = a.cards
	for _, i := range a.ratings {
		s := a.order[i].e.stmt
		st.Ratings = append(st.Ratings, RatingRecord{
			Statement: s.id, Cell: s.Cell, Author: s.Author, Subject: s.Subject,
			Rating: s.Rating, Seq: s.Seq, Created: s.Created,
		})
	}
	slices.SortFunc(st.Ratings, func(x, y RatingRecord) int {
		if c := bytes.Compare(x.Author[:], y.Author[:]); c != 0 {
			return c
		}
		return bytes.Compare(x.Subject[:], y.Subject[:])
	})
	for subject, vs := range a.votes {
		if !a.isMember(subject) && a.index[subject].Status != StatusPending {
			continue
		}
		for voter, i := range vs {
			if a.isMember(voter) {
				st.Votes = append(st.Votes, Vote{Statement: a.order[i].e.stmt.id, Voter: voter, Subject: subject})
			}
		}
	}
	slices.SortFunc(st.Votes, func(x, y Vote) int {
		if c := bytes.Compare(x.Subject[:], y.Subject[:]); c != 0 {
			return c
		}
		return bytes.Compare(x.Voter[:], y.Voter[:])
	})
	st.Counted = a.counted
	st.Superseded = a.supers
	slices.SortFunc(st.Superseded, compareIDs)
	st.seq = map[identity.ID]uint64{}
	for _, n := range a.order {
		s := n.e.stmt
		st.seq[s.Author] = max(st.seq[s.Author], s.Seq)
	}
}
