package crdt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/fxamacker/cbor/v2"
)

// Parts: how a device keeps a cell in its own storage so that storing a
// change writes what is new, not the whole cell (SCHEMA.md §7). A stored
// cell is a small header; its statements in numbered packs, each pack
// holding the entries of the statement map that one change added or
// altered (a later pack wins); and the Automerge document as numbered
// chunks, a saved document followed by the change chunks from outside
// added since, exactly the bytes the checking worker loaded. After
// maxPacks packs, or when entries go away, the statements are written
// again as one pack; after maxAppended chunks the worker saves the
// document compactly and it is written again as one chunk. So storing a
// change costs what it adds, and reading a cell a few records, not one
// per statement (a record costs about 10 µs to read back).

// maxPacks is how many packs of statements a stored cell may have before
// the next change writes them again as one.
const maxPacks = 16

// maxOwnPacks is the same for a resting cell whose only changes are
// statements it wrote itself (restingDelta), each one pack of one entry,
// as maxOwnChunks is for their chunks: writing the packs again reads the
// whole cell back (at 30,000 statements about 0.3 s of processor time),
// and a start that reads the packs reads 256 small records more.
const maxOwnPacks = maxOwnChunks

// partsVersion is the version of the parts' header.
const partsVersion = 2

// partsHeader is the header part of a stored cell.
type partsHeader struct {
	Version int      `cbor:"1,keyasint"`
	Cell    []byte   `cbor:"2,keyasint"`
	Heads   [][]byte `cbor:"4,keyasint"`
	// Appended counts the chunks from outside after the last compact save.
	Appended int `cbor:"6,keyasint,omitempty"`
	Entries  int `cbor:"8,keyasint"`
	Packs    int `cbor:"9,keyasint"`
	Chunks   int `cbor:"10,keyasint"`
	// Own is where the document stands after the device's own change,
	// when that change is its only head (see putOwn).
	Own *ownHeader `cbor:"11,keyasint,omitempty"`
}

// A Part is one record of a stored cell: a pack of statements or a chunk
// of the document, under its number (see [PartKey]).
type Part struct {
	Key, Value []byte
}

// Parts is a cell as read back from this device's own storage: the
// header, every pack, and (optionally, see [LoadParts]) the document's
// chunks, each in the order of their keys.
type Parts struct {
	Header []byte
	Packs  []Part
	Chunks []Part
}

// A Delta is what to write so that storage holds a cell as it is now, in
// one transaction: delete every stored pack if ResetPacks and every
// stored chunk if ResetChunks, put Packs, Chunks and the Header. Then
// call [Cell.Stored].
type Delta struct {
	Header      []byte
	ResetPacks  bool
	ResetChunks bool
	Packs       []Part
	Chunks      []Part
	// State is the cell's derived state, to keep beside the header (see
	// [LoadKept]), replacing its parts; nil when StatePart holds what
	// the state gained instead.
	State []byte
	// StatePart, when State is nil, is the part to keep after the parts
	// of the state kept (see [LoadKeptParts]).
	StatePart *Part

	packs, chunks, entries int // stored once applied
	kept                   keptChain
}

// PartKey returns the key of the i-th pack or chunk: big-endian, so keys
// sort in their order.
func PartKey(i int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(i)) }

// IsPartsHeader reports whether b is the header of a cell stored in parts
// (rather than a whole snapshot or a plain document).
func IsPartsHeader(b []byte) bool {
	var v struct {
		Version int `cbor:"1,keyasint"`
	}
	return len(b) > 0 && !IsDocument(b) && cbor.Unmarshal(b, &v) == nil && v.Version == partsVersion
}

// Delta returns what storage lacks of c since it was last stored (see
// [Cell.Stored]), or all of c if it never was. It checks the signatures
// not checked yet, so that the entries keep their result.
func (c *Cell) Delta() (*Delta, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	resting := c.restingDelta()
	if !resting {
		if err := c.warm(); err != nil {
			return nil, fmt.Errorf("store cell: %w", err)
		}
	}
	c.derive()
	d := &Delta{packs: c.packs, chunks: c.chunks, entries: len(c.entries)}
	var es []snapshotEntry
	if resting {
		d.entries = c.storedEntries + len(c.ownPending)
		for _, e := range c.ownPending {
			es = append(es, c.snapshotEntry(e))
		}
	} else if !c.inStore || len(c.gone) > 0 || (len(c.unsaved) > 0 && c.packs >= maxPacks) {
		d.ResetPacks, d.packs = true, 0
		es = make([]snapshotEntry, 0, len(c.entries))
		for _, e := range c.entries {
			es = append(es, c.snapshotEntry(e))
		}
	} else {
		for k := range c.unsaved {
			if e := c.entries[k]; e != nil {
				es = append(es, c.snapshotEntry(e))
			}
		}
	}
	if len(es) > 0 || d.ResetPacks {
		slices.SortFunc(es, func(a, b snapshotEntry) int { return strings.Compare(a.Key, b.Key) })
		b, err := snapshotEnc.Marshal(es)
		if err != nil {
			return nil, fmt.Errorf("store cell: %w", err)
		}
		d.Packs = []Part{{Key: PartKey(d.packs), Value: b}}
		d.packs++
	}
	if !c.inStore || c.docDirty {
		doc, err := c.save()
		if err != nil {
			return nil, fmt.Errorf("store cell: %w", err)
		}
		d.ResetChunks = true
		d.Chunks = []Part{{Key: PartKey(0), Value: doc}}
		d.chunks = 1
	} else {
		for _, ch := range c.newChunks {
			d.Chunks = append(d.Chunks, Part{Key: PartKey(d.chunks), Value: ch})
			d.chunks++
		}
	}
	h := partsHeader{Version: partsVersion, Cell: c.id[:], Entries: d.entries, Packs: d.packs, Chunks: d.chunks}
	if c.doc == nil {
		h.Appended = c.appended
	}
	heads := c.heads()
	for _, hd := range heads {
		h.Heads = append(h.Heads, hd[:])
	}
	h.Own = c.own.header(heads)
	b, err := snapshotEnc.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("store cell: %w", err)
	}
	d.Header = b
	if err := c.deltaState(d); err != nil {
		return nil, fmt.Errorf("store cell: %w", err)
	}
	return d, nil
}

// deltaState sets what d keeps of c's derived state: a part after the
// ones kept if c's state is the kept one with ratings made on the device
// appended (statePart), else the whole state. The caller holds c.mu.
func (c *Cell) deltaState(d *Delta) error {
	st, to := c.derive(), headerDigest(d.Header)
	d.kept = keptChain{header: to, end: st}
	part, ok, err := c.statePart(st, to)
	if err != nil {
		return err
	}
	if ok {
		d.StatePart, d.kept.parts = &Part{Key: PartKey(c.kept.parts), Value: part}, c.kept.parts+1
		return nil
	}
	d.State, err = encodeState(st, d.Header)
	return err
}

// restingDelta reports whether c is a resting cell whose only changes
// are statements it wrote itself (putOwn), which Delta stores without
// reading the cell back: one more pack, one more chunk. The caller holds
// c.mu.
func (c *Cell) restingDelta() bool {
	if c.entries != nil || c.state == nil || c.doc != nil || !c.inStore || c.docDirty || len(c.gone) > 0 ||
		len(c.ownPending) == 0 || len(c.unsaved) != len(c.ownPending) || c.packs >= maxOwnPacks {
		return false
	}
	for k := range c.unsaved {
		if c.ownPending[k] == nil {
			return false
		}
	}
	return true
}

// KeptState returns c's derived state in the form kept beside the stored
// header, for a cell read with [LoadParts] whose state was not kept (or
// not usable): header must be the one it was read with.
func (c *Cell) KeptState(header []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return encodeState(c.derive(), header)
}

// LoadKept reads a cell stored in parts from its header and the derived
// state kept beside it ([Delta].State, [Cell.KeptState]), without its
// statements: the cell rests (see [Cell.Rest]) and reads them back, with
// its document, through [Cell.SetPartsReload] when a method needs them.
// It returns false if the state was kept for another header, by other
// rules or in another form, or is damaged: then read the cell with
// [LoadParts], which derives it again. Only pass it what this device
// wrote to its own protected storage.
func LoadKept(header, state []byte) (*Cell, bool) { return LoadKeptParts(header, state, nil) }

// LoadKeptParts is [LoadKept] for a state kept with parts after it
// ([Delta].StatePart), in the order of their keys: the state is the
// whole one with each part applied. It returns false also if a part is
// damaged or does not follow the state before it.
func LoadKeptParts(header, state []byte, parts [][]byte) (*Cell, bool) {
	var h partsHeader
	if keptDec.Unmarshal(header, &h) != nil || h.Version != partsVersion || len(h.Cell) != len(CellID{}) || h.Packs < 1 || h.Chunks < 1 {
		return nil, false
	}
	st, at := decodeKept(state)
	if st != nil {
		st, at = applyParts(st, at, parts)
	}
	to := headerDigest(header)
	if st == nil || !bytes.Equal(at, to) || st.Cell != CellID(h.Cell) {
		return nil, false
	}
	c := newCell(nil, st.Cell)
	for _, hd := range h.Heads {
		if len(hd) != len(ChangeHash{}) {
			return nil, false
		}
		c.savedHeads = append(c.savedHeads, ChangeHash(hd))
	}
	c.appended, c.state, c.entries = h.Appended, st, nil
	c.inStore, c.packs, c.chunks, c.storedEntries = true, h.Packs, h.Chunks, h.Entries
	c.own = h.Own.tip(h.Heads)
	c.kept = keptChain{header: to, parts: len(parts), end: st}
	return c, true
}

// snapshotEntry returns how e is kept, with its signature check. The
// caller holds c.mu.
func (c *Cell) snapshotEntry(e *entry) snapshotEntry {
	se := snapshotEntry{Key: e.key, Raw: e.raw, NotBytes: e.raw == nil}
	switch {
	case !e.decoded:
		se.Sig = e.stored // as read back (entriesOf)
	case e.keyOK && e.stmt != nil && e.stmt.Cell == c.id:
		se.Sig = e.sig
	}
	return se
}

// Stored tells c that d, made by [Cell.Delta], is in storage now: the
// next delta holds only what changes from here.
func (c *Cell) Stored(d *Delta) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inStore, c.packs, c.chunks, c.storedEntries = true, d.packs, d.chunks, d.entries
	c.unsaved, c.gone, c.newChunks, c.docDirty, c.ownPending = nil, nil, nil, false, nil
	c.kept = d.kept
	if c.state != d.kept.end {
		c.kept.end = nil // changed since the delta: the next one keeps it whole
	}
}

// dirty reports whether c holds something storage lacks. The caller
// holds c.mu.
func (c *Cell) dirty() bool {
	return !c.inStore || c.docDirty || len(c.unsaved) > 0 || len(c.gone) > 0 || len(c.newChunks) > 0
}

// changed notes that the entry under key must be written. The caller
// holds c.mu.
func (c *Cell) changed(key string) {
	if !c.inStore {
		return // everything is written anyway
	}
	if c.unsaved == nil {
		c.unsaved = map[string]bool{}
	}
	c.unsaved[key] = true
	delete(c.gone, key)
}

// removed notes that the entry under key must be deleted. The caller
// holds c.mu.
func (c *Cell) removed(key string) {
	if !c.inStore {
		return
	}
	if c.gone == nil {
		c.gone = map[string]bool{}
	}
	c.gone[key] = true
	delete(c.unsaved, key)
}

// inherit gives c, made from base and bytes from outside, what storage
// lacks of base. The caller holds base.mu.
func (c *Cell) inherit(base *Cell) {
	c.inStore, c.packs, c.chunks, c.docDirty = base.inStore, base.packs, base.chunks, base.docDirty
	c.storedEntries = base.storedEntries
	c.kept = base.kept.clone()
	c.newChunks = slices.Clone(base.newChunks)
	c.unsaved, c.gone = cloneSet(base.unsaved), cloneSet(base.gone)
}

func cloneSet(m map[string]bool) map[string]bool {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// LoadParts reads a cell stored in parts on this device (see [Cell.Delta]).
// p.Chunks may be nil: the document is then fetched when a method needs
// it, through [Cell.SetPartsReload]. Only pass it parts this device wrote
// to its own protected storage: it trusts the signature checks they
// record.
func LoadParts(p *Parts) (*Cell, error) {
	s, h, err := readParts(p)
	if err != nil {
		return nil, err
	}
	c := newCell(nil, CellID(s.Cell))
	c.saved, c.appended = s.Doc, s.Appended
	for _, hd := range s.Heads {
		c.savedHeads = append(c.savedHeads, ChangeHash(hd))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = entriesOf(s)
	c.inStore, c.packs, c.chunks, c.storedEntries = true, h.Packs, h.Chunks, h.Entries
	c.own = h.Own.tip(h.Heads)
	return c, nil
}

// readParts checks parts against their header and returns them as a
// snapshot (its document empty if p has no chunks).
func readParts(p *Parts) (*snapshot, *partsHeader, error) {
	bad := func(what string) error {
		return fmt.Errorf("load stored cell: %w: %s", ErrMalformed, what)
	}
	var h partsHeader
	if err := cbor.Unmarshal(p.Header, &h); err != nil || h.Version != partsVersion || len(h.Cell) != len(CellID{}) {
		return nil, nil, bad("unreadable header")
	}
	for _, hd := range h.Heads {
		if len(hd) != len(ChangeHash{}) {
			return nil, nil, bad("bad heads")
		}
	}
	if len(p.Packs) != h.Packs || h.Packs < 1 || h.Chunks < 1 {
		return nil, nil, bad("parts missing")
	}
	byKey := make(map[string]snapshotEntry, h.Entries)
	for i, part := range p.Packs {
		var es []snapshotEntry
		if !bytes.Equal(part.Key, PartKey(i)) || keptDec.Unmarshal(part.Value, &es) != nil {
			return nil, nil, bad("unreadable pack")
		}
		for _, se := range es {
			byKey[se.Key] = se // a later pack wins
		}
	}
	if len(byKey) != h.Entries {
		return nil, nil, bad("entries missing")
	}
	s := &snapshot{Version: snapshotVersion, Cell: h.Cell, Heads: h.Heads, Appended: h.Appended, Entries: make([]snapshotEntry, 0, len(byKey))}
	for _, se := range byKey {
		s.Entries = append(s.Entries, se)
	}
	if p.Chunks != nil {
		if len(p.Chunks) != h.Chunks {
			return nil, nil, bad("document chunks missing")
		}
		n := 0
		for i, ch := range p.Chunks {
			if !bytes.Equal(ch.Key, PartKey(i)) || len(ch.Value) == 0 {
				return nil, nil, bad("document chunks missing")
			}
			n += len(ch.Value)
		}
		s.Doc = make([]byte, 0, n)
		for _, ch := range p.Chunks {
			s.Doc = append(s.Doc, ch.Value...)
		}
	}
	return s, &h, nil
}

// SetPartsReload is [Cell.SetReload] for a cell stored in parts: f must
// return all of its parts, chunks included, as stored.
func (c *Cell) SetPartsReload(f func() (*Parts, error)) {
	c.setReload(func() (*snapshot, error) {
		p, err := f()
		if err != nil {
			return nil, err
		}
		s, _, err := readParts(p)
		if err != nil {
			return nil, err
		}
		if p.Chunks == nil {
			return nil, fmt.Errorf("%w: no document", ErrMalformed)
		}
		return s, nil
	})
}
