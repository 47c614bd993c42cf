package crdt

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/automerge/automerge-go"
	"github.com/fxamacker/cbor/v2"
)

// snapshotVersion is the version of the snapshot encoding.
const snapshotVersion = 1

// snapshot is how a device keeps a cell in its own encrypted storage: the
// Automerge document, plus what reading it costs to work out again — the
// heads, the statements by key, and which signatures were already checked.
type snapshot struct {
	Version int             `cbor:"1,keyasint"`
	Cell    []byte          `cbor:"2,keyasint"`
	Doc     []byte          `cbor:"3,keyasint"`
	Heads   [][]byte        `cbor:"4,keyasint"`
	Entries []snapshotEntry `cbor:"5,keyasint"`
	// Appended counts the chunks from outside that Doc holds after its
	// last compact save.
	Appended int `cbor:"6,keyasint,omitempty"`
}

type snapshotEntry struct {
	Key string `cbor:"1,keyasint"`
	Raw []byte `cbor:"2,keyasint,omitempty"`
	// NotBytes marks a map value that is not a byte string.
	NotBytes bool `cbor:"3,keyasint,omitempty"`
	// Sig is the signature check's result: 0 not checked, 1 good, -1 bad.
	Sig int8 `cbor:"4,keyasint,omitempty"`

	absent bool // in a worker's partial answer: the key is not in the map
}

// entry returns the cache entry for se; trusted marks bytes this device
// checked in full before.
func (se snapshotEntry) entry(trusted bool) *entry {
	e := &entry{key: se.Key, raw: se.Raw, trusted: trusted}
	if se.NotBytes {
		e.raw = nil
		e.decoded, e.err = true, fmt.Errorf("value is not bytes")
	}
	return e
}

var snapshotEnc = func() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

// Snapshot returns the cell in the form a device keeps it in its own
// storage: the document together with its statements and the results of
// the signature checks done so far, so that [LoadSnapshot] can show the
// cell without loading the Automerge document or checking every signature
// again. A snapshot is private to the device that made it (it trusts its
// own earlier checks) and must be stored where nobody else can alter it;
// it is not an exchange format: use [Cell.Save] for that.
func (c *Cell) Snapshot() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.warm(); err != nil {
		return nil, fmt.Errorf("snapshot cell: %w", err)
	}
	c.derive() // check what has not been checked yet, so it is kept
	doc, err := c.save()
	if err != nil {
		return nil, fmt.Errorf("snapshot cell: %w", err)
	}
	s := snapshot{Version: snapshotVersion, Cell: c.id[:], Doc: doc}
	if c.doc == nil {
		s.Appended = c.appended
	}
	for _, h := range c.heads() {
		s.Heads = append(s.Heads, h[:])
	}
	s.Entries = make([]snapshotEntry, 0, len(c.entries))
	for _, e := range c.entries {
		s.Entries = append(s.Entries, c.snapshotEntry(e))
	}
	b, err := snapshotEnc.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("snapshot cell: %w", err)
	}
	return b, nil
}

// LoadSnapshot reads a cell saved by [Cell.Snapshot] on this device. It
// decodes the statements and derives the state without loading the
// Automerge document, which is loaded the first time a method needs it
// (adding a statement, exchanging changes). Only pass it bytes this device
// wrote to its own protected storage: it trusts the signature checks they
// record.
func LoadSnapshot(trusted []byte) (*Cell, error) {
	var s snapshot
	if err := keptDec.Unmarshal(trusted, &s); err != nil {
		return nil, fmt.Errorf("load cell snapshot: %w: %v", ErrMalformed, err)
	}
	if s.Version != snapshotVersion || len(s.Cell) != len(CellID{}) || len(s.Doc) == 0 {
		return nil, fmt.Errorf("load cell snapshot: %w: unknown version or missing parts", ErrMalformed)
	}
	c := newCell(nil, CellID(s.Cell))
	c.saved, c.appended = s.Doc, s.Appended
	for _, h := range s.Heads {
		if len(h) != len(ChangeHash{}) {
			return nil, fmt.Errorf("load cell snapshot: %w: bad heads", ErrMalformed)
		}
		c.savedHeads = append(c.savedHeads, ChangeHash(h))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = entriesOf(&s)
	return c, nil
}

// entriesOf returns the statements of a snapshot of cell, with the
// signature checks it records, each decoded when first needed: a
// statement made on the device reads none of them (appendRatings), and
// a derive decodes them all at once, spread over the processors
// (decodeAll). A check is recorded only for a well-formed statement of
// the cell under its id (snapshotEntry), so the same bytes, decoded,
// are one again.
func entriesOf(s *snapshot) map[string]*entry {
	entries := make(map[string]*entry, len(s.Entries))
	for _, se := range s.Entries {
		e := se.entry(se.Sig == 1)
		e.stored = se.Sig
		entries[se.Key] = e
	}
	return entries
}

// entriesSpread is entriesOf decoding every entry at once with spread
// (parallel, or share while a worker runs).
func entriesSpread(s *snapshot, spread func(n int, f func(i int))) map[string]*entry {
	entries := entriesOf(s)
	es := make([]*entry, 0, len(entries))
	for _, e := range entries {
		es = append(es, e)
	}
	spread(len(es), func(i int) { es[i].decode() })
	return entries
}

// Rest lets c drop its statements and its saved document, keeping only
// its derived state, if it can fetch them again (see [Cell.SetReload]); the
// first method that needs them reads them back, with the signature checks
// the snapshot records. A large home keeps many cells it only shows.
func (c *Cell) Rest() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reload == nil || c.doc != nil || c.entries == nil || (c.inStore && c.dirty()) {
		return
	}
	c.derive()
	if c.preKeys != nil {
		return
	}
	// Not dirty: storage holds these entries, no more, no fewer.
	c.storedEntries = len(c.entries)
	c.entries, c.saved = nil, nil
}

// warm reads back the statements a resting cell dropped. The caller holds
// c.mu.
func (c *Cell) warm() error {
	if c.entries != nil {
		return nil
	}
	s, err := c.fetchSnapshot()
	if err != nil {
		return err
	}
	c.entries = entriesOf(s)
	return nil
}

// ensureDoc loads the Automerge document of a cell read from a snapshot.
// The caller holds c.mu.
func (c *Cell) ensureDoc() error {
	if c.doc != nil {
		return nil
	}
	// A resting cell reads its statements back too: their check needs
	// the heads that loading replaces.
	saved, err := c.docBytes()
	if err != nil {
		return err
	}
	doc, err := automerge.Load(saved)
	if err != nil {
		return fmt.Errorf("load cell: %w: %v", ErrMalformed, err)
	}
	id, err := readHeader(doc)
	if err != nil {
		return fmt.Errorf("load cell: %w", err)
	}
	if id != c.id {
		return fmt.Errorf("load cell: %w", ErrWrongCell)
	}
	if c.savedHeads != nil && !slices.Equal(sortedHeads(doc), c.savedHeads) {
		return fmt.Errorf("load cell: %w: the document is not the one recorded", ErrMalformed)
	}
	c.doc, c.saved, c.savedHeads, c.appended, c.reload = doc, nil, nil, 0, nil
	return nil
}

// SetReload lets c drop its copy of the saved document: f must return the
// snapshot (see [Cell.Snapshot]) c was read from or last stored as, from
// this device's own storage. c fetches the document from it when a method
// needs it, and refuses it unless its heads are the ones c recorded. It
// does nothing to a cell whose document is loaded.
func (c *Cell) SetReload(f func() ([]byte, error)) {
	if f == nil {
		return
	}
	c.setReload(func() (*snapshot, error) {
		b, err := f()
		if err != nil {
			return nil, err
		}
		var s snapshot
		if err := keptDec.Unmarshal(b, &s); err != nil || s.Version != snapshotVersion || len(s.Doc) == 0 {
			return nil, fmt.Errorf("%w: unreadable snapshot", ErrMalformed)
		}
		return &s, nil
	})
}

// setReload is SetReload with f returning the snapshot decoded.
func (c *Cell) setReload(f func() (*snapshot, error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.doc == nil && f != nil {
		c.reload, c.saved = f, nil
	}
}

// docBytes returns the saved document and, for a resting cell, reads its
// statements back from the same read. The caller holds c.mu and must not
// modify the result.
func (c *Cell) docBytes() ([]byte, error) {
	switch {
	case c.doc != nil:
		return c.doc.Save(), nil
	case c.entries == nil:
		s, err := c.fetchSnapshot()
		if err != nil {
			return nil, err
		}
		c.entries = entriesOf(s)
		return s.Doc, nil
	case c.saved != nil:
		return c.saved, nil
	default:
		return c.fetch()
	}
}

// fetch returns the saved document from c.reload. The caller holds c.mu.
func (c *Cell) fetch() ([]byte, error) {
	s, err := c.fetchSnapshot()
	if err != nil {
		return nil, err
	}
	return s.Doc, nil
}

// fetchSnapshot reads c's snapshot back through c.reload and checks that it
// is the one c was read from or stored as. The caller holds c.mu.
func (c *Cell) fetchSnapshot() (*snapshot, error) {
	if c.reload == nil {
		return nil, fmt.Errorf("load cell: %w: no document", ErrMalformed)
	}
	s, err := c.reload()
	if err != nil {
		return nil, fmt.Errorf("load cell: %w", err)
	}
	if err := c.isStored(s); err != nil {
		return nil, err
	}
	return s, nil
}

// isStored checks that s, read back through c.reload, is the snapshot c
// was read from or stored as. The caller holds c.mu.
func (c *Cell) isStored(s *snapshot) error {
	if CellID(s.Cell) != c.id || len(s.Heads) != len(c.savedHeads) {
		return fmt.Errorf("load cell: %w", ErrStoreMoved)
	}
	for i, h := range s.Heads {
		if !bytes.Equal(h, c.savedHeads[i][:]) {
			return fmt.Errorf("load cell: %w", ErrStoreMoved)
		}
	}
	return nil
}
