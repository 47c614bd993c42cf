package crdt

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"slices"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"

	"trustdesk/identity"
	"trustdesk/internal/plaintext"
	"trustdesk/internal/srcdigest"
)

// The derived state a device keeps beside a stored cell (SCHEMA.md §7,
// "The derived state kept"), so that a start decodes it instead of
// reading every statement and deriving the cell again. It is keyed by
// exactly what it was derived from: the stored header (the document's
// heads, the number of entries), the rules (a digest of the source of
// this package) and the form of this record. Anything else is ignored
// and the cell derived again.

// stateFormat is the form of a kept state; a new form makes every kept
// state of an older one stale.
const stateFormat = 2

// rulesSource is every file of this package that is built into the
// program: the rules, the decoding of statements and this encoding.
// TestRulesSourceComplete checks that the list is whole.
//
//go:embed again.go ancestry.go appended.go batch.go cell.go checker.go chunks.go doc.go errors.go forks.go keptparts.go leave.go missing.go opkeys.go ownchange.go parts.go precedence.go precheck.go rules.go session.go snapshot.go state.go statecache.go statement.go succession.go worker.go
var rulesSource embed.FS

// rulesDigest returns the digest of the code that derives a state: this
// package's source, that of the packages it takes cards and text rules
// from, and what the program was built with (Go, modules, revision). Any
// change to how a state is derived (a new rules revision, a mended bug)
// changes it, so a state kept by a program built from other rules is
// never used.
var rulesDigest = sync.OnceValue(func() []byte {
	h := sha256.New()
	h.Write(srcdigest.Of(rulesSource))
	h.Write(identity.SourceDigest())
	h.Write(plaintext.SourceDigest())
	h.Write(srcdigest.Build())
	return h.Sum(nil)
})

// keptState is the record: 1 form, 2 rules digest, 3 digest of the
// header the state belongs to, 4 the state (a stateForm), 5 its digest.
// A part of a kept state (keptparts.go) is the same record with 6 the
// digest of the header the state stood at before it, and 4 the ratings
// it adds.
type keptState struct {
	Format int    `cbor:"1,keyasint"`
	Rules  []byte `cbor:"2,keyasint"`
	Header []byte `cbor:"3,keyasint"`
	State  []byte `cbor:"4,keyasint"`
	Sum    []byte `cbor:"5,keyasint"`
	From   []byte `cbor:"6,keyasint,omitempty"`
}

// newKept returns the record of body, of form, kept for the header
// digested as header.
func newKept(form int, header, body []byte) keptState {
	sum := sha256.Sum256(body)
	return keptState{Format: form, Rules: rulesDigest(), Header: header, State: body, Sum: sum[:]}
}

// readKept decodes the record in b if it is of form, of these rules and
// whole (its body has its digest); ok false otherwise. Its body is b's
// own bytes (splitKept), which the caller must not change while it
// holds k.
func readKept(b []byte, form int) (k keptState, ok bool) {
	if k, ok = splitKept(b); !ok {
		if k = (keptState{}); keptDec.Unmarshal(b, &k) != nil {
			return k, false
		}
	}
	if k.Format != form || !bytes.Equal(k.Rules, rulesDigest()) {
		return k, false
	}
	sum := sha256.Sum256(k.State)
	return k, bytes.Equal(k.Sum, sum[:])
}

// splitKept reads the record in b as this device writes it: a map of
// definite length whose keys are 1 to 6 in order, 1 an unsigned integer
// and the others byte strings, ending with b. The body is not copied
// (decoding it copies what it keeps): at 100,000 statements the copy of
// its megabytes cost a rating 65 ms of processor time. ok false for any
// other encoding, which the caller decodes the usual way.
func splitKept(b []byte) (k keptState, ok bool) {
	major, n, i, ok := cborHead(b)
	if !ok || major != 5 || n == 0 || n > 6 {
		return k, false
	}
	fields := [...]*[]byte{2: &k.Rules, 3: &k.Header, 4: &k.State, 5: &k.Sum, 6: &k.From}
	last := uint64(0)
	for range n {
		major, key, m, ok := cborHead(b[i:])
		if !ok || major != 0 || key <= last || key > 6 {
			return k, false
		}
		last, i = key, i+m
		major, v, m, ok := cborHead(b[i:])
		switch {
		case !ok:
			return k, false
		case key == 1:
			if major != 0 || v > 1<<20 {
				return k, false
			}
			k.Format, i = int(v), i+m
		default:
			if major != 2 || v > uint64(len(b)-i-m) {
				return k, false
			}
			body := b[i+m : i+m+int(v) : i+m+int(v)]
			if key != 4 {
				body = bytes.Clone(body) // small, and may be held long
			}
			*fields[key], i = body, i+m+int(v)
		}
	}
	return k, i == len(b)
}

// cborHead reads the head of the CBOR item that b begins with: its major
// type, its argument and the head's length; ok false if b is cut short
// or the item has no definite argument.
func cborHead(b []byte) (major byte, arg uint64, n int, ok bool) {
	if len(b) == 0 {
		return 0, 0, 0, false
	}
	major, info := b[0]>>5, b[0]&31
	switch {
	case info < 24:
		return major, uint64(info), 1, true
	case info > 27:
		return 0, 0, 0, false
	}
	size := 1 << (info - 24)
	if len(b) < 1+size {
		return 0, 0, 0, false
	}
	for _, c := range b[1 : 1+size] {
		arg = arg<<8 | uint64(c)
	}
	return major, arg, 1 + size, true
}

// stateForm is a State as kept. Cards are kept once each, in Cards, and
// referred to by their place there plus one (0: none).
type stateForm struct {
	_          struct{} `cbor:",toarray"`
	Cell       []byte
	Founded    bool
	Name       string
	Founder    []byte
	Policy     [2]int
	Cards      [][]byte
	CardOf     []cardRef
	Members    []memberForm
	Ratings    []ratingForm
	Votes      []voteForm
	Proposals  []proposalForm
	Counted    int
	Superseded [][]byte
	Invalid    []rejectedForm
	Heads      [][]byte
	Replaced   []replacementForm
	HasSucc    bool
	Sets       []setForm
	Open       [][]byte
	Seq        []seqForm
	Kinds      uint32
	Voted      [][]byte
}

type cardRef struct {
	_    struct{} `cbor:",toarray"`
	ID   []byte
	Card int
}

type memberForm struct {
	_          struct{} `cbor:",toarray"`
	ID         []byte
	Card       int
	Status     string
	VouchedBy  [][]byte
	Admission  []byte
	Joined     []byte
	End        []byte
	ExcludedBy [][]byte
	Vouches    int
	Vouching   [][]byte
}

type ratingForm struct {
	_           struct{} `cbor:",toarray"`
	Statement   []byte
	Cell        []byte
	Author      []byte
	Subject     []byte
	Safety      int
	Reliability int
	Tags        []string
	Note        string
	Day         string
	Seq         uint64
	Created     int64
}

type voteForm struct {
	_         struct{} `cbor:",toarray"`
	Statement []byte
	Voter     []byte
	Subject   []byte
}

type proposalForm struct {
	_         struct{} `cbor:",toarray"`
	Statement []byte
	Voter     []byte
	Policy    [2]int
}

type rejectedForm struct {
	_      struct{} `cbor:",toarray"`
	Key    string
	ID     []byte
	Author []byte
	Kind   Kind
	Reason string
	Detail string
}

type replacementForm struct {
	_           struct{} `cbor:",toarray"`
	Old         []byte
	OldCard     int
	New         []byte
	NewCard     int
	Statement   []byte
	Confirmed   int
	ConfirmedBy [][]byte
}

type setForm struct {
	_         struct{} `cbor:",toarray"`
	ID        []byte
	Statement []byte
	Guardians [][]byte
	Need      int
	Changed   bool
}

type seqForm struct {
	_   struct{} `cbor:",toarray"`
	ID  []byte
	Seq uint64
}

// keptDec decodes what this device wrote: large arrays are allowed (a
// cell may hold far more than the library's default of 131,072 entries).
var keptDec = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxArrayElements: 1 << 30,
		MaxMapPairs:      1 << 30,
		MaxNestedLevels:  16,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// headerDigest returns what a kept state is keyed by, with the header.
func headerDigest(header []byte) []byte {
	h := sha256.Sum256(header)
	return h[:]
}

// KeptStateKey returns what the state kept beside a stored cell with
// header is keyed by: its form, these rules and the header. Two cells
// stored with the same key derive the same state, so a device may key
// what it works out from states (core's start: the list of cells, the
// reputation) by these keys instead of reading the states.
func KeptStateKey(header []byte) []byte {
	h := sha256.New()
	h.Write([]byte{stateFormat})
	h.Write(rulesDigest())
	h.Write(headerDigest(header))
	return h.Sum(nil)
}

// encodeState returns st as kept beside the stored header.
func encodeState(st *State, header []byte) ([]byte, error) {
	f := stateForm{
		Cell: st.Cell[:], Founded: st.Founded, Name: st.Name, Founder: st.Founder[:],
		Policy:  [2]int{st.Policy.AdmitVouches, st.Policy.ExcludeQuorum},
		Counted: st.Counted, HasSucc: st.succ != nil,
	}
	cards := map[*identity.Card]int{}
	card := func(c *identity.Card) int {
		if c == nil {
			return 0
		}
		if i, ok := cards[c]; ok {
			return i
		}
		f.Cards = append(f.Cards, c.Bytes())
		cards[c] = len(f.Cards)
		return len(f.Cards)
	}
	f.CardOf = make([]cardRef, 0, len(st.Cards))
	for id, c := range st.Cards {
		f.CardOf = append(f.CardOf, cardRef{ID: bytesOf(id), Card: card(c)})
	}
	f.Members = make([]memberForm, len(st.Members))
	for i, m := range st.Members {
		f.Members[i] = memberForm{
			ID: bytesOf(m.ID), Card: card(m.Card), Status: string(m.Status),
			VouchedBy: idsOf(m.VouchedBy), Admission: sidOf(m.Admission),
			Joined: sidOf(m.Joined), End: sidOf(m.End), ExcludedBy: idsOf(m.ExcludedBy), Vouches: m.Vouches,
			Vouching: idsOf(m.Vouching),
		}
	}
	f.Ratings = make([]ratingForm, len(st.Ratings))
	for i, r := range st.Ratings {
		f.Ratings[i] = ratingFormOf(r)
	}
	for _, v := range st.Votes {
		f.Votes = append(f.Votes, voteForm{Statement: sidOf(v.Statement), Voter: bytesOf(v.Voter), Subject: bytesOf(v.Subject)})
	}
	for _, p := range st.Proposals {
		f.Proposals = append(f.Proposals, proposalForm{Statement: sidOf(p.Statement), Voter: bytesOf(p.Voter), Policy: [2]int{p.Policy.AdmitVouches, p.Policy.ExcludeQuorum}})
	}
	f.Superseded = sidsOf(st.Superseded)
	for _, r := range st.Invalid {
		f.Invalid = append(f.Invalid, rejectedForm{Key: r.Key, ID: sidOf(r.ID), Author: bytesOf(r.Author), Kind: r.Kind, Reason: string(r.Reason), Detail: r.Detail})
	}
	f.Heads = sidsOf(st.Heads)
	for _, r := range st.Replaced {
		rf := replacementForm{Old: bytesOf(r.Old), OldCard: card(r.OldCard), New: bytesOf(r.New), NewCard: card(r.NewCard), Statement: sidOf(r.Statement), Confirmed: r.Confirmed}
		for _, k := range r.ConfirmedBy {
			rf.ConfirmedBy = append(rf.ConfirmedBy, k[:])
		}
		f.Replaced = append(f.Replaced, rf)
	}
	if st.succ != nil {
		for id, g := range st.succ.sets {
			sf := setForm{ID: bytesOf(id), Need: g.Need, Changed: g.Changed, Statement: sidOf(g.Statement)}
			for _, c := range g.Guardians {
				sf.Guardians = append(sf.Guardians, c[:])
			}
			f.Sets = append(f.Sets, sf)
		}
		for id, open := range st.succ.open {
			if open {
				f.Open = append(f.Open, bytesOf(id))
			}
		}
	}
	for id, n := range st.seq {
		f.Seq = append(f.Seq, seqForm{ID: bytesOf(id), Seq: n})
	}
	f.Kinds = st.kinds
	for id := range st.voted {
		f.Voted = append(f.Voted, bytesOf(id))
	}
	slices.SortFunc(f.Voted, bytes.Compare)
	b, err := snapshotEnc.Marshal(&f)
	if err != nil {
		return nil, err
	}
	return snapshotEnc.Marshal(newKept(stateFormat, headerDigest(header), b))
}

// ratingFormOf returns r as kept.
func ratingFormOf(r RatingRecord) ratingForm {
	return ratingForm{
		Statement: sidOf(r.Statement), Cell: r.Cell[:], Author: bytesOf(r.Author), Subject: bytesOf(r.Subject),
		Safety: r.Rating.Safety, Reliability: r.Rating.Reliability, Tags: r.Rating.Tags,
		Note: r.Rating.Note, Day: r.Rating.Day, Seq: r.Seq, Created: r.Created.Unix(),
	}
}

// decodeState returns the state kept in b if it was kept for header, by
// this form and these rules; else nil.
func decodeState(b, header []byte) *State {
	st, at := decodeKept(b)
	if st == nil || !bytes.Equal(at, headerDigest(header)) {
		return nil
	}
	return st
}

// decodeKept returns the state kept in b if it was kept by this form and
// these rules, with the digest of the header it was kept for; else nil.
func decodeKept(b []byte) (*State, []byte) {
	k, ok := readKept(b, stateFormat)
	if !ok || k.From != nil {
		return nil, nil
	}
	var f stateForm
	if keptDec.Unmarshal(k.State, &f) != nil {
		return nil, nil
	}
	st, ok := f.state()
	if !ok {
		return nil, nil
	}
	return st, k.Header
}

// state turns f back into a State; false if f is damaged.
func (f *stateForm) state() (*State, bool) {
	d := stateDecoder{ok: true}
	for _, b := range f.Cards {
		c, err := identity.DecodeStoredCard(b)
		if err != nil {
			return nil, false
		}
		d.cards = append(d.cards, c)
	}
	st := &State{
		Cell: CellID(d.fixed16(f.Cell)), Founded: f.Founded, Name: f.Name, Founder: d.id(f.Founder),
		Policy: Policy{AdmitVouches: f.Policy[0], ExcludeQuorum: f.Policy[1]}, Counted: f.Counted,
		Cards: make(map[identity.ID]*identity.Card, len(f.CardOf)), members: make(map[identity.ID]int, len(f.Members)),
		seq: make(map[identity.ID]uint64, len(f.Seq)),
	}
	if !f.people(st, &d) {
		return nil, false
	}
	f.records(st, &d)
	f.history(st, &d)
	return st, d.ok
}

// people turns back the cards and members of f into st; false if a card
// is missing or a member is kept twice.
func (f *stateForm) people(st *State, d *stateDecoder) bool {
	for _, r := range f.CardOf {
		c := d.card(r.Card)
		if c == nil {
			return false
		}
		st.Cards[d.id(r.ID)] = c
	}
	if len(f.Members) > 0 {
		st.Members = make([]Member, len(f.Members))
	}
	for i, m := range f.Members {
		st.Members[i] = Member{
			ID: d.id(m.ID), Card: d.card(m.Card), Status: Status(m.Status), VouchedBy: d.ids(m.VouchedBy),
			Admission: d.sid(m.Admission), Joined: d.sid(m.Joined), End: d.sid(m.End), ExcludedBy: d.ids(m.ExcludedBy),
			Vouches: m.Vouches, Vouching: d.ids(m.Vouching),
		}
		if _, dup := st.members[st.Members[i].ID]; dup {
			return false
		}
		st.members[st.Members[i].ID] = i
	}
	return true
}

// records turns back the ratings, votes, proposals, statements that do
// not count, heads and replaced cards of f into st.
func (f *stateForm) records(st *State, d *stateDecoder) {
	if len(f.Ratings) > 0 {
		st.Ratings = make([]RatingRecord, len(f.Ratings))
	}
	for i, r := range f.Ratings {
		st.Ratings[i] = d.rating(&r)
	}
	for _, v := range f.Votes {
		st.Votes = append(st.Votes, Vote{Statement: d.sid(v.Statement), Voter: d.id(v.Voter), Subject: d.id(v.Subject)})
	}
	for _, p := range f.Proposals {
		st.Proposals = append(st.Proposals, Proposal{Statement: d.sid(p.Statement), Voter: d.id(p.Voter), Policy: Policy{AdmitVouches: p.Policy[0], ExcludeQuorum: p.Policy[1]}})
	}
	st.Superseded = d.sids(f.Superseded)
	for _, r := range f.Invalid {
		st.Invalid = append(st.Invalid, Rejected{Key: r.Key, ID: d.sid(r.ID), Author: d.id(r.Author), Kind: r.Kind, Reason: Reason(r.Reason), Detail: r.Detail})
	}
	st.Heads = d.sids(f.Heads)
	for _, r := range f.Replaced {
		rp := Replacement{Old: d.id(r.Old), OldCard: d.card(r.OldCard), New: d.id(r.New), NewCard: d.card(r.NewCard), Statement: d.sid(r.Statement), Confirmed: r.Confirmed}
		for _, k := range r.ConfirmedBy {
			rp.ConfirmedBy = append(rp.ConfirmedBy, d.fixed32(k))
		}
		st.Replaced = append(st.Replaced, rp)
	}
}

// history turns back what f keeps of the guardians in force and of the
// history (sequence numbers, kinds held, subjects of votes) into st.
func (f *stateForm) history(st *State, d *stateDecoder) {
	if f.HasSucc {
		st.succ = &successionInfo{sets: map[identity.ID]*GuardianSet{}, open: map[identity.ID]bool{}}
		for _, s := range f.Sets {
			g := &GuardianSet{Statement: d.sid(s.Statement), Need: s.Need, Changed: s.Changed}
			for _, c := range s.Guardians {
				g.Guardians = append(g.Guardians, Commitment(d.fixed16(c)))
			}
			st.succ.sets[d.id(s.ID)] = g
		}
		for _, id := range f.Open {
			st.succ.open[d.id(id)] = true
		}
	}
	for _, s := range f.Seq {
		st.seq[d.id(s.ID)] = s.Seq
	}
	st.kinds = f.Kinds
	for _, id := range f.Voted {
		if st.voted == nil {
			st.voted = map[identity.ID]bool{}
		}
		st.voted[d.id(id)] = true
	}
}

// rating turns r back into the rating it keeps.
func (d *stateDecoder) rating(r *ratingForm) RatingRecord {
	return RatingRecord{
		Statement: d.sid(r.Statement), Cell: CellID(d.fixed16(r.Cell)), Author: d.id(r.Author), Subject: d.id(r.Subject),
		Rating: Rating{Safety: r.Safety, Reliability: r.Reliability, Tags: r.Tags, Note: r.Note, Day: r.Day},
		Seq:    r.Seq, Created: time.Unix(r.Created, 0).UTC(),
	}
}

// stateDecoder turns kept byte strings back into ids, and places in
// Cards back into cards, noting any of the wrong length or out of range.
type stateDecoder struct {
	ok    bool
	cards []*identity.Card // the form's Cards, decoded
}

// card returns the card at place i (plus one; 0: none).
func (d *stateDecoder) card(i int) *identity.Card {
	if i < 0 || i > len(d.cards) {
		d.ok = false
		return nil
	}
	if i == 0 {
		return nil
	}
	return d.cards[i-1]
}

func (d *stateDecoder) fixed16(b []byte) (out [16]byte) {
	if len(b) != 16 {
		d.ok = false
	}
	copy(out[:], b)
	return out
}

func (d *stateDecoder) fixed32(b []byte) (out [32]byte) {
	if len(b) != 32 {
		d.ok = false
	}
	copy(out[:], b)
	return out
}

func (d *stateDecoder) id(b []byte) identity.ID { return identity.ID(d.fixed16(b)) }

func (d *stateDecoder) sid(b []byte) (out StatementID) {
	if len(b) == 0 {
		return out // zero: kept as nothing
	}
	if len(b) != len(out) {
		d.ok = false
	}
	copy(out[:], b)
	return out
}

func (d *stateDecoder) ids(bs [][]byte) []identity.ID {
	if len(bs) == 0 {
		return nil
	}
	out := make([]identity.ID, len(bs))
	for i, b := range bs {
		out[i] = d.id(b)
	}
	return out
}

func (d *stateDecoder) sids(bs [][]byte) []StatementID {
	if len(bs) == 0 {
		return nil
	}
	out := make([]StatementID, len(bs))
	for i, b := range bs {
		if len(b) != len(out[i]) {
			d.ok = false
		}
		copy(out[i][:], b)
	}
	return out
}

func bytesOf(id identity.ID) []byte { return slices.Clone(id[:]) }

func sidOf(id StatementID) []byte {
	if id == (StatementID{}) {
		return nil
	}
	return slices.Clone(id[:])
}

func idsOf(ids []identity.ID) [][]byte {
	if len(ids) == 0 {
		return nil
	}
	out := make([][]byte, len(ids))
	for i, id := range ids {
		out[i] = bytesOf(id)
	}
	return out
}

func sidsOf(ids []StatementID) [][]byte {
	if len(ids) == 0 {
		return nil
	}
	out := make([][]byte, len(ids))
	for i, id := range ids {
		out[i] = slices.Clone(id[:])
	}
	return out
}
