package crdt

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/automerge/automerge-go"

	"trustdesk/identity"
)

// Document layout; see SCHEMA.md.
const (
	keyVersion    = "v"
	keyCell       = "cell"
	keyStatements = "statements"

	// FormatVersion is the value of the document's "v" key.
	FormatVersion = 1

	// MaxDocumentSize is the largest cell document or change chunk, in
	// bytes, that this package loads or checks.
	MaxDocumentSize = 64 << 20
)

// A ChangeHash identifies an Automerge change. A document's heads are the
// hashes of its latest changes; they tell another replica what this one
// has, so it can send only what is missing (see [Cell.ChangesSince]).
type ChangeHash [32]byte

// String returns the hash as 64 lowercase hexadecimal characters.
func (h ChangeHash) String() string { return automerge.ChangeHash(h).String() }

// ParseChangeHash parses the form returned by [ChangeHash.String].
func ParseChangeHash(s string) (ChangeHash, error) {
	h, err := automerge.NewChangeHash(s)
	if err != nil {
		return ChangeHash{}, fmt.Errorf("parse change hash: %w", ErrMalformed)
	}
	return ChangeHash(h), nil
}

// A Cell is one cell's document: an Automerge document holding the cell's
// signed statements. All methods are safe for concurrent use.
//
// A Cell must only be built from bytes that came from this device
// ([Load]) or that a [Checker] accepted: the Automerge engine aborts the
// whole process on some malformed inputs.
type Cell struct {
	mu  sync.Mutex
	doc *automerge.Doc
	id  CellID

	// saved and savedHeads stand in for doc in a cell read from a
	// snapshot until a method needs the Automerge document (see
	// LoadSnapshot); doc is nil until then.
	saved      []byte
	savedHeads []ChangeHash
	// reload, when set, fetches the snapshot saved stands for, which this
	// cell then does not keep (see SetReload).
	reload func() (*snapshot, error)
	// appended counts the chunks from outside that saved holds after its
	// last compact save (see [Checker.Extend]).
	appended int

	// entries caches the decoded statement map, keyed by document key.
	entries map[string]*entry
	state   *State
	// reading is closed when the read-back of a resting cell that
	// Checker.Prepare began ends; nil when none is under way.
	reading chan struct{}

	// preKeys holds, for statements checked before the worker answered
	// (see precheck), the signing key their signature was checked with.
	// The next derive uses and drops them.
	preKeys map[StatementID]ed25519.PublicKey

	// What storage lacks of the cell kept in parts (see parts.go): nothing
	// is tracked until parts of it are stored (inStore).
	inStore   bool
	unsaved   map[string]bool // entries to write
	gone      map[string]bool // entries to delete
	packs     int             // packs of statements stored
	chunks    int             // document chunks stored
	newChunks [][]byte        // chunks from outside to add after them
	docDirty  bool            // the document must be written whole

	// own is where the document stands after a change made on the
	// device, while that change is its only head (see putOwn).
	own *ownTip
	// ownPending holds the entries a resting cell wrote itself (putOwn)
	// since it was stored, and storedEntries how many entries storage
	// holds: with them, storing the cell reads nothing back.
	ownPending    map[string]*entry
	storedEntries int
	// kept is what the store keeps of the derived state (keptparts.go).
	kept keptChain
}

// Found creates a new cell named name with founder as its first member
// and the default policy. The cell id is derived from the founder and a
// random nonce.
func Found(founder *identity.Identity, name string, now time.Time) (*Cell, error) {
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("found cell: %w", err)
	}
	return found(founder, name, now, nonce)
}

// found is Found with the nonce given (tests make the same cell ids on
// every run with it).
func found(founder *identity.Identity, name string, now time.Time, nonce [16]byte) (*Cell, error) {
	s := &Statement{Seq: 1, Created: now, Kind: KindFound, Name: name, Card: founder.Card, Policy: DefaultPolicy, Nonce: nonce}
	s.Author = founder.Card.ID()
	s.Cell = deriveCellID(s.Author, s.Nonce)
	if err := s.Sign(founder); err != nil {
		return nil, fmt.Errorf("found cell: %w", err)
	}
	doc := automerge.New()
	if err := doc.Path(keyVersion).Set(int64(FormatVersion)); err != nil {
		return nil, fmt.Errorf("found cell: %w", err)
	}
	if err := doc.Path(keyCell).Set(s.Cell.String()); err != nil {
		return nil, fmt.Errorf("found cell: %w", err)
	}
	if err := doc.Path(keyStatements).Set(automerge.NewMap()); err != nil {
		return nil, fmt.Errorf("found cell: %w", err)
	}
	c := newCell(doc, s.Cell)
	if err := c.put(s); err != nil {
		return nil, fmt.Errorf("found cell: %w", err)
	}
	return c, nil
}

func newCell(doc *automerge.Doc, id CellID) *Cell {
	return &Cell{
		doc: doc, id: id,
		entries: map[string]*entry{},
	}
}

// Load reads a cell document (or a chunk of all of its changes) saved by
// [Cell.Save] or [Cell.ChangesSince] on this device, or accepted by a
// [Checker]. Never pass it bytes from outside that no Checker accepted.
// It fails with [ErrMalformed] if the bytes are not a cell document.
func Load(trusted []byte) (*Cell, error) {
	if len(trusted) > MaxDocumentSize {
		return nil, fmt.Errorf("load cell: %w", ErrTooLarge)
	}
	doc, err := automerge.Load(trusted)
	if err != nil {
		return nil, fmt.Errorf("load cell: %w: %v", ErrMalformed, err)
	}
	id, err := readHeader(doc)
	if err != nil {
		return nil, fmt.Errorf("load cell: %w", err)
	}
	c := newCell(doc, id)
	if err := c.rescan(); err != nil {
		return nil, fmt.Errorf("load cell: %w", err)
	}
	return c, nil
}

func readHeader(doc *automerge.Doc) (CellID, error) {
	v, err := automerge.As[int64](doc.Path(keyVersion).Get())
	if err != nil {
		return CellID{}, fmt.Errorf("%w: no format version", ErrMalformed)
	}
	if v != FormatVersion {
		return CellID{}, fmt.Errorf("%w: unknown format version %d", ErrMalformed, v)
	}
	s, err := automerge.As[string](doc.Path(keyCell).Get())
	if err != nil {
		return CellID{}, fmt.Errorf("%w: no cell id", ErrMalformed)
	}
	id, err := ParseCellID(s)
	if err != nil {
		return CellID{}, err
	}
	if _, err := automerge.As[*automerge.Map](doc.Path(keyStatements).Get()); err != nil {
		return CellID{}, fmt.Errorf("%w: no statement map", ErrMalformed)
	}
	return id, nil
}

// ID returns the cell's id.
func (c *Cell) ID() CellID { return c.id }

// Save returns the whole document in Automerge's binary format. For a cell
// whose document is kept outside ([Cell.SetReload]) it returns nil if the
// document cannot be fetched; use [Cell.Document] there to learn why.
func (c *Cell) Save() []byte {
	b, _ := c.Document()
	return b
}

// Document is [Cell.Save] for a cell whose document is kept outside (see
// [Cell.SetReload]): it reports why the document could not be fetched
// instead of returning nil.
func (c *Cell) Document() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.save()
}

// save returns the document's bytes. The caller holds c.mu.
func (c *Cell) save() ([]byte, error) {
	switch {
	case c.doc != nil:
		return c.doc.Save(), nil
	case c.saved != nil:
		return slices.Clone(c.saved), nil
	default:
		return c.fetch()
	}
}

// Heads returns the document's current heads, sorted.
func (c *Cell) Heads() []ChangeHash {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.heads()
}

func (c *Cell) heads() []ChangeHash {
	if c.doc == nil {
		return slices.Clone(c.savedHeads)
	}
	return sortedHeads(c.doc)
}

// sortedHeads returns doc's heads, sorted.
func sortedHeads(doc *automerge.Doc) []ChangeHash {
	hs := doc.Heads()
	out := make([]ChangeHash, len(hs))
	for i, h := range hs {
		out[i] = ChangeHash(h)
	}
	slices.SortFunc(out, func(a, b ChangeHash) int { return bytes.Compare(a[:], b[:]) })
	return out
}

// ChangesSince returns, as one Automerge change chunk, every change a
// replica whose heads are since lacks. Hashes this document does not know
// are ignored, so unknown or stale heads give more changes, never fewer.
// With no heads it returns every change, from which [Load] rebuilds the
// whole document.
func (c *Cell) ChangesSince(since []ChangeHash) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.ensureDoc(); err != nil {
		return nil, err
	}
	var have []automerge.ChangeHash
	for _, h := range since {
		if _, err := c.doc.Change(automerge.ChangeHash(h)); err == nil {
			have = append(have, automerge.ChangeHash(h))
		}
	}
	chs, err := c.doc.Changes(have...)
	if err != nil {
		return nil, fmt.Errorf("changes since: %w", err)
	}
	return automerge.SaveChanges(chs), nil
}

// ApplyChanges applies a change chunk made by [Cell.ChangesSince]. The
// chunk must come from this device or have been accepted by a [Checker]
// (see [Checker.CheckChanges]). Statements the changes delete or alter
// are put back (see SCHEMA.md, "Deleted statements"). If the changes
// belong to another cell or overwrite the document's header, the header is
// put back and the error wraps [ErrWrongCell].
func (c *Cell) ApplyChanges(chunk []byte) error {
	if len(chunk) > MaxDocumentSize {
		return fmt.Errorf("apply changes: %w", ErrTooLarge)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.ensureDoc(); err != nil {
		return err
	}
	held, err := c.held()
	if err != nil {
		return err
	}
	if err := c.doc.LoadIncremental(chunk); err != nil {
		return fmt.Errorf("apply changes: %w: %v", ErrMalformed, err)
	}
	return c.afterForeign(held)
}

// Merge adds every change of other to c. Other must be a trusted cell
// (see [Load]) of the same id.
func (c *Cell) Merge(other *Cell) error {
	if other.id != c.id {
		return fmt.Errorf("merge cell: %w", ErrWrongCell)
	}
	if other == c {
		return nil
	}
	other.mu.Lock()
	err := other.ensureDoc()
	var od *automerge.Doc
	if err == nil {
		od, err = other.doc.Fork()
	}
	other.mu.Unlock()
	if err != nil {
		return fmt.Errorf("merge cell: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.ensureDoc(); err != nil {
		return err
	}
	held, err := c.held()
	if err != nil {
		return err
	}
	if _, err := c.doc.Merge(od); err != nil {
		return fmt.Errorf("merge cell: %w: %v", ErrMalformed, err)
	}
	return c.afterForeign(held)
}

// held returns the well-formed statements of this cell that c holds, by
// id: what changes from outside must not take away. The caller holds c.mu.
func (c *Cell) held() (map[StatementID][]byte, error) {
	if err := c.warm(); err != nil {
		return nil, err
	}
	c.decodeAll()
	held := make(map[StatementID][]byte, len(c.entries))
	for _, e := range c.entries {
		if e.keyOK && e.stmt.Cell == c.id {
			held[e.stmt.id] = e.raw
		}
	}
	return held, nil
}

// afterForeign re-reads the document after changes from elsewhere and
// repairs what they broke: the header, and the statements of held (see
// held) that they deleted or altered, which are put back.
func (c *Cell) afterForeign(held map[StatementID][]byte) error {
	c.state = nil
	c.docDirty = true
	var headerErr error
	if id, err := readHeader(c.doc); err != nil || id != c.id {
		// Put the header back; the changes tried to move or break it.
		headerErr = fmt.Errorf("%w: the changes replace the cell's header", ErrWrongCell)
		if err := c.doc.Path(keyVersion).Set(int64(FormatVersion)); err != nil {
			return err
		}
		if err := c.doc.Path(keyCell).Set(c.id.String()); err != nil {
			return err
		}
		if _, err := automerge.As[*automerge.Map](c.doc.Path(keyStatements).Get()); err != nil {
			if err := c.doc.Path(keyStatements).Set(automerge.NewMap()); err != nil {
				return err
			}
		}
		if err := c.commit(); err != nil {
			return err
		}
	}
	if err := c.rescan(); err != nil {
		return err
	}
	c.decodeAll()
	var restore []StatementID
	for id, raw := range held {
		if e := c.entries[id.String()]; e == nil || !bytes.Equal(e.raw, raw) {
			restore = append(restore, id)
		}
	}
	if len(restore) == 0 {
		return headerErr
	}
	slices.SortFunc(restore, compareIDs)
	m := c.doc.Path(keyStatements).Map()
	for _, id := range restore {
		if err := m.Set(id.String(), held[id]); err != nil {
			return err
		}
	}
	if err := c.commit(); err != nil {
		return err
	}
	if err := c.rescan(); err != nil {
		return err
	}
	return headerErr
}

// commit records pending operations as one change without a timestamp,
// so the document does not tell when a device wrote to it.
func (c *Cell) commit() error {
	_, err := c.doc.Commit("", automerge.CommitOptions{Time: &time.Time{}})
	return err
}

// rescan reads the statement map and decodes what changed.
func (c *Cell) rescan() error {
	c.state = nil
	vals, err := c.doc.Path(keyStatements).Map().Values()
	if err != nil {
		return fmt.Errorf("%w: statements: %v", ErrMalformed, err)
	}
	next := make(map[string]*entry, len(vals))
	for k, v := range vals {
		var raw []byte
		if v.Kind() == automerge.KindBytes {
			raw = v.Bytes()
		}
		if e := c.entries[k]; e != nil && bytes.Equal(e.raw, raw) && (raw != nil || v.Kind() != automerge.KindBytes) {
			next[k] = e
			continue
		}
		e := &entry{key: k, raw: raw}
		if v.Kind() != automerge.KindBytes {
			e.decoded, e.err = true, fmt.Errorf("value is %s, not bytes", v.Kind())
		}
		next[k] = e
		c.changed(k)
	}
	for k := range c.entries {
		if next[k] == nil {
			c.removed(k)
		}
	}
	c.entries = next
	return nil
}

// put stores a statement made on this device and commits it. Its state
// is then worked out from the last one when appendRatings can vouch for
// it (a rating built on every head of a cell whose history makes the
// rules look back at nothing, or holds only votes that ended nobody's
// membership: TestAppendedRatingsMatchDerive and
// TestOwnRatingsAfterVotesMatchDerive compare with a full derive after
// every statement), else derived in full when next asked for.
func (c *Cell) put(s *Statement) error {
	if err := c.warm(); err != nil {
		return err
	}
	if err := c.doc.Path(keyStatements).Map().Set(s.id.String(), s.raw); err != nil {
		return err
	}
	h, err := c.doc.Commit("", automerge.CommitOptions{Time: &time.Time{}})
	if err != nil {
		return err
	}
	var chunk []byte
	if ch, err := c.doc.Change(h); err == nil {
		chunk = ch.Save()
	}
	c.own = tipOf(chunk, ChangeHash(h), s)
	c.storeChange(chunk)
	c.appendOwn(s)
	return nil
}

// appendOwn records the entry of s, made on the device and just put in
// the document, and works its state out from the last one when
// appendRatings can vouch for it. The caller holds c.mu.
func (c *Cell) appendOwn(s *Statement) {
	e := &entry{key: s.id.String(), raw: s.raw, stmt: s, decoded: true, keyOK: true, sig: 1}
	if c.entries != nil {
		c.entries[e.key] = e
	} else {
		if c.ownPending == nil {
			c.ownPending = map[string]*entry{}
		}
		c.ownPending[e.key] = e
	}
	c.changed(e.key)
	last := c.state
	c.state = nil
	st, ok := appendRatings(last, c.entries, []*entry{e}, c.verifier(), true)
	if ok {
		c.state, c.preKeys = st, nil
		c.keptAppended(last, st, s)
	}
	if onOwnAppended != nil {
		onOwnAppended(last, ok)
	}
}

// storeChange notes that storage lacks the change chunk this device just
// committed (nil if Automerge did not give it): as a chunk to append to
// the stored document (Automerge loads a saved document followed by
// change chunks), so that storing a statement of this device writes what
// it adds rather than the whole document; or, for a cell not stored in
// parts yet, one whose document must be written whole anyway, or one
// that holds maxAppended chunks already, as the whole document. The
// caller holds c.mu.
func (c *Cell) storeChange(chunk []byte) {
	if chunk == nil || !c.inStore || c.docDirty || c.chunks+len(c.newChunks) >= maxAppended {
		c.docDirty = true
		return
	}
	c.newChunks = append(c.newChunks, chunk)
}

// State returns the cell's derived state. It is computed when first asked
// for after a change and cached; callers must not modify it.
func (c *Cell) State() *State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.derive()
}

func (c *Cell) derive() *State {
	st, _ := c.deriveWithin(0)
	return st
}

// checkWork derives c's state within the work limit for statements from
// outside (SCHEMA §4.6), returning [ErrTooComplex] if they exceed it.
func (c *Cell) checkWork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state = nil
	_, err := c.deriveWithin(workLimit(len(c.entries)))
	return err
}

// deriveWithin computes and caches c's state, giving up with
// [ErrTooComplex] beyond limit (0: no limit). The caller holds c.mu.
func (c *Cell) deriveWithin(limit int) (*State, error) {
	if c.state != nil {
		return c.state, nil
	}
	if c.entries == nil {
		// Resting with no state cannot happen (see Rest); a cell that
		// fails to fetch its statements shows none rather than crash.
		if err := c.warm(); err != nil {
			return &State{Cell: c.id, Cards: map[identity.ID]*identity.Card{}}, nil
		}
	}
	c.decodeAll()
	// derive does not depend on the order of its entries.
	es := make([]*entry, 0, len(c.entries))
	for _, e := range c.entries {
		es = append(es, e)
	}
	st, err := deriveWithin(c.id, es, c.verifier(), limit)
	if err != nil {
		return nil, err
	}
	c.state = st
	c.preKeys = nil
	return c.state, nil
}

// verifier returns how c checks signatures: with the checks made before
// the worker answered (see precheck) for the same signing key, else in
// full. The caller holds c.mu.
func (c *Cell) verifier() verifier {
	pre := c.preKeys
	if len(pre) == 0 {
		return verifySignature
	}
	return func(s *Statement, author *identity.Card) bool {
		if key, ok := pre[s.id]; ok && author != nil && author.ID() == s.Author && bytes.Equal(key, author.SigningKey) {
			return true
		}
		return verifySignature(s, author)
	}
}

// decodeAll decodes the entries read since the last call, spread over the
// available processors, and remembers the well-formed statements of this
// cell so they can be put back if a change deletes them.
func (c *Cell) decodeAll() {
	var todo []*entry
	for _, e := range c.entries {
		if !e.decoded {
			todo = append(todo, e)
		}
	}
	parallel(len(todo), func(i int) { todo[i].decode() })
}

// Statements returns every well-formed statement in the document, valid
// or not, sorted by id; none when they cannot be read (ReadStatements
// says why).
func (c *Cell) Statements() []*Statement {
	out, _ := c.ReadStatements()
	return out
}

// ReadStatements returns every well-formed statement in the document,
// valid or not, sorted by id. A resting cell reads them back from the
// store: when another program stored the cell since, it says
// ErrStoreMoved.
func (c *Cell) ReadStatements() ([]*Statement, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.warm(); err != nil {
		return nil, err
	}
	c.decodeAll()
	var out []*Statement
	for _, e := range c.entries {
		if e.stmt != nil {
			out = append(out, e.stmt)
		}
	}
	slices.SortFunc(out, func(a, b *Statement) int { return compareIDs(a.id, b.id) })
	return out, nil
}

// add signs and stores a statement of me, after check says me may make it
// in the current state.
func (c *Cell) add(me *identity.Identity, s *Statement, now time.Time, check func(st *State) error) (*Statement, error) {
	return c.addWith(me, s, now, check, nil)
}

// addWith is add with complete, when not nil, called on the statement
// just before it is signed (its cell, seq, prev and time set).
func (c *Cell) addWith(me *identity.Identity, s *Statement, now time.Time, check func(st *State) error, complete func(s *Statement)) (*Statement, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.derive()
	author := me.Card.ID()
	if !st.IsMember(author) && s.Kind != KindJoin {
		return nil, fmt.Errorf("%s: %w: you are not a member of this cell", s.Kind, ErrNotAllowed)
	}
	if err := check(st); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Kind, err)
	}
	s.Cell = c.id
	s.Seq = st.seq[author] + 1
	s.Prev = slices.Clone(st.Heads)
	if len(s.Prev) > MaxPrev {
		s.Prev = s.Prev[len(s.Prev)-MaxPrev:]
	}
	s.Created = now.Truncate(time.Second).UTC()
	if complete != nil {
		complete(s)
	}
	if err := s.Sign(me); err != nil {
		return nil, err
	}
	written, err := c.putOwn(s)
	if onOwnChange != nil {
		onOwnChange(written)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Kind, err)
	}
	if written {
		return s, nil
	}
	if err := c.ensureDoc(); err != nil {
		return nil, err
	}
	if err := c.put(s); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Kind, err)
	}
	return s, nil
}

// Admit adds me's vouch for the person whose card is given, which also
// publishes the card in the cell. The person is invited once enough
// members vouch (one, by default), and a member once they accept
// ([Cell.Join]). It fails with [ErrNotAllowed] when [State.CanAdmit]
// says so.
func (c *Cell) Admit(me *identity.Identity, card *identity.Card, now time.Time) (*Statement, error) {
	s := &Statement{Kind: KindAdmit, Card: card}
	return c.add(me, s, now, func(st *State) error { return st.CanAdmit(me.Card.ID(), card.ID()) })
}

// PublishCard publishes card in the cell: a member's newer card, or the
// card of someone who is not a member, so that members can rate them.
// It returns (nil, nil) if the same or a newer card is already there.
func (c *Cell) PublishCard(me *identity.Identity, card *identity.Card, now time.Time) (*Statement, error) {
	s := &Statement{Kind: KindCard, Card: card}
	var already bool
	st, err := c.add(me, s, now, func(st *State) error {
		if old := st.Cards[card.ID()]; old != nil && !newerCard(card, old) {
			already = true
			return errAlready
		}
		return nil
	})
	if already {
		return nil, nil
	}
	return st, err
}

var errAlready = errors.New("already published")

// Rate adds me's rating of the person whose card is given. If that card
// is not yet in the cell, it is published first (a separate statement).
// It fails with [ErrInvalid] for values outside the rules, and with
// [ErrNotAllowed] if me is not a member or rates themselves.
func (c *Cell) Rate(me *identity.Identity, subject *identity.Card, r Rating, now time.Time) (*Statement, error) {
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("rate: %w: %v", ErrInvalid, err)
	}
	if err := r.CheckDay(now); err != nil {
		return nil, fmt.Errorf("rate: %w: %v", ErrInvalid, err)
	}
	if subject.ID() == me.Card.ID() {
		return nil, fmt.Errorf("rate: %w: you cannot rate yourself", ErrNotAllowed)
	}
	if _, err := c.PublishCard(me, subject, now); err != nil {
		return nil, err
	}
	s := &Statement{Kind: KindRate, Subject: subject.ID(), Rating: r}
	return c.add(me, s, now, func(st *State) error { return nil })
}

// VoteExclude adds me's vote to exclude subject, a member, a person
// invited or pending, or someone who left. They are excluded as soon as
// [State.VotesToExclude] votes are in (see SCHEMA.md). It fails with
// [ErrNotAllowed] when [State.CanVoteExclude] says so.
func (c *Cell) VoteExclude(me *identity.Identity, subject identity.ID, now time.Time) (*Statement, error) {
	s := &Statement{Kind: KindExclude, Subject: subject}
	return c.add(me, s, now, func(st *State) error { return st.CanVoteExclude(me.Card.ID(), subject) })
}

// Leave adds me's leave statement: me is no longer a member.
func (c *Cell) Leave(me *identity.Identity, now time.Time) (*Statement, error) {
	return c.add(me, &Statement{Kind: KindLeave}, now, func(st *State) error { return nil })
}

// Join accepts me's invitation to the cell: me becomes a member once
// enough members have vouched (at once if they have). It fails with
// [ErrNotAllowed] if me was not invited or has accepted already.
func (c *Cell) Join(me *identity.Identity, now time.Time) (*Statement, error) {
	return c.add(me, &Statement{Kind: KindJoin}, now, func(st *State) error {
		m, ok := st.Member(me.Card.ID())
		if !ok || (m.Status != StatusPending && m.Status != StatusInvited) || m.Joined != (StatementID{}) {
			return fmt.Errorf("%w: you have no invitation to accept in this cell", ErrNotAllowed)
		}
		return nil
	})
}

// SetPolicy adds me's vote for a new policy. It takes effect when
// [Policy.VotesToChange] current members have voted for the same policy
// (at once in a cell of one). It fails with [ErrInvalid] for values
// outside the rules and [ErrNotAllowed] if me is not a member.
func (c *Cell) SetPolicy(me *identity.Identity, p Policy, now time.Time) (*Statement, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("policy: %w: %v", ErrInvalid, err)
	}
	return c.add(me, &Statement{Kind: KindPolicy, Policy: p}, now, func(st *State) error { return nil })
}
