package crdt

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"maps"
	"slices"
)

// A statement made on the device is one Automerge change setting one key
// of the statements map (SCHEMA §1). When the device knows where the
// document stands (its own change is its only head: SCHEMA §7, "A
// statement written without loading the document"), it writes that
// change chunk itself, byte for byte what automerge-go would make, rather
// than loading the whole document to let Automerge make it.
//
// A change chunk (Automerge binary format): the magic, the first 4 bytes
// of the change's hash, the chunk type (1), the contents' length as an
// unsigned LEB128, then the contents: the dependencies (their number,
// then each hash, sorted), the actor (length, bytes), the sequence
// number, the start operation, the time (signed LEB128; 0: none), the
// message (length, bytes; empty), the other actors (number, then each
// as length and bytes), the column metadata (number of columns, then
// each column's specification and length, by specification) and the
// columns. The one operation's columns:
//
//	0x01 object actor       RLE of unsigned: a literal run of one (-1), the index
//	0x02 object counter     RLE of unsigned: -1, the counter
//	0x15 key string         RLE of strings: -1, length, the key
//	0x34 insert             boolean runs: one false
//	0x42 action             RLE of unsigned: -1, 1 (set)
//	0x56 value metadata     RLE of unsigned: -1, length << 4 | 7 (bytes)
//	0x57 value              the bytes
//	0x70 predecessors       RLE of unsigned: -1, 0 (none)
//
// and none of the others (key actor and counter, predecessor actor and
// counter, which hold nothing for a key that is new, are left out as
// Automerge leaves out every empty column).

// maxOwnChunks is how many chunks a stored document may hold for putOwn
// to add one more. Its changes are small (one statement each), so many
// cost little to read back and load (about 10 µs a record), while
// writing the document whole costs loading it (0.6 s at 30,000
// statements): the statement after maxOwnChunks is made by Automerge,
// which writes the document whole.
const maxOwnChunks = 256

// changeActionSet is Automerge's action of an operation that sets a value.
const changeActionSet = 1

// valueTypeBytes is Automerge's value type of a byte string.
const valueTypeBytes = 7

// ownChangeMax bounds what parseOwnChange accepts: a statement is far
// smaller (MaxStatementSize), and a column of more than 256 bytes would
// be compressed in a document chunk, not in a change chunk, so nothing
// larger is expected.
const ownChangeMax = 1 << 20

// ownColumns are the specifications of the columns of an ownChange, in
// their order.
var ownColumns = [...]uint64{0x01, 0x02, 0x15, 0x34, 0x42, 0x56, 0x57, 0x70}

// An ownChange is one change setting a new key of the statements map to
// a statement's bytes, with no predecessor.
type ownChange struct {
	deps     []ChangeHash // sorted
	actor    []byte
	seq      uint64
	startOp  uint64
	mapCtr   uint64 // the statements map's id: its operation counter
	mapActor []byte // and its actor
	key      string
	value    []byte
}

// encode returns the change chunk and the change's hash.
func (o *ownChange) encode() ([]byte, ChangeHash) {
	var c []byte
	c = binary.AppendUvarint(c, uint64(len(o.deps)))
	for _, d := range o.deps {
		c = append(c, d[:]...)
	}
	c = appendLenBytes(c, o.actor)
	c = binary.AppendUvarint(c, o.seq)
	c = binary.AppendUvarint(c, o.startOp)
	c = append(c, 0) // time: none
	c = append(c, 0) // message: none
	mapIndex := uint64(0)
	if bytes.Equal(o.mapActor, o.actor) {
		c = append(c, 0)
	} else {
		mapIndex = 1
		c = append(c, 1)
		c = appendLenBytes(c, o.mapActor)
	}
	cols := [][]byte{
		binary.AppendUvarint([]byte{0x7f}, mapIndex),
		binary.AppendUvarint([]byte{0x7f}, o.mapCtr),
		appendLenBytes([]byte{0x7f}, []byte(o.key)),
		{1},
		{0x7f, changeActionSet},
		binary.AppendUvarint([]byte{0x7f}, uint64(len(o.value))<<4|valueTypeBytes),
		o.value,
		{0x7f, 0},
	}
	if len(o.value) == 0 {
		cols[6] = nil // an empty column is left out
	}
	n := 0
	for _, col := range cols {
		if len(col) > 0 {
			n++
		}
	}
	c = binary.AppendUvarint(c, uint64(n))
	for i, col := range cols {
		if len(col) > 0 {
			c = binary.AppendUvarint(c, ownColumns[i])
			c = binary.AppendUvarint(c, uint64(len(col)))
		}
	}
	for _, col := range cols {
		c = append(c, col...)
	}
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(binary.AppendUvarint(nil, uint64(len(c))))
	h.Write(c)
	var hash ChangeHash
	h.Sum(hash[:0])
	chunk := make([]byte, 0, 9+binary.MaxVarintLen64+len(c))
	chunk = append(chunk, chunkMagic[:]...)
	chunk = append(chunk, hash[:4]...)
	chunk = append(chunk, 1)
	chunk = binary.AppendUvarint(chunk, uint64(len(c)))
	return append(chunk, c...), hash
}

func appendLenBytes(b, v []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(v))), v...)
}

// parseOwnChange reads a change chunk that encode would make: one change
// setting a new key of a map to bytes. It returns false for anything
// else (another kind of change, another encoding of the same, a chunk
// cut short or followed by more), so that what it returns encodes to
// chunk exactly.
func parseOwnChange(chunk []byte) (*ownChange, bool) {
	if len(chunk) > ownChangeMax {
		return nil, false
	}
	chunks, ok := changeChunks(chunk)
	if !ok || len(chunks) != 1 || chunks[0].compressed {
		return nil, false
	}
	r := &leReader{b: chunks[0].raw}
	o := &ownChange{}
	n := r.uint()
	if n > uint64(len(r.b))/32 {
		return nil, false
	}
	for range n {
		o.deps = append(o.deps, ChangeHash(r.take(32)))
	}
	o.actor = r.lenBytes()
	o.seq, o.startOp = r.uint(), r.uint()
	at, message := r.uint(), r.uint()
	if at != 0 || message != 0 {
		return nil, false
	}
	switch r.uint() {
	case 0:
		o.mapActor = o.actor
	case 1:
		o.mapActor = r.lenBytes()
	default:
		return nil, false
	}
	var lens [len(ownColumns)]uint64
	n = r.uint()
	if n > uint64(len(ownColumns)) {
		return nil, false
	}
	for i := 0; uint64(i) < n; i++ {
		spec := r.uint()
		j := slices.Index(ownColumns[:], spec)
		if j < 0 {
			return nil, false
		}
		lens[j] = r.uint()
	}
	var cols [len(ownColumns)]*leReader
	for i := range cols {
		cols[i] = &leReader{b: r.take(int(min(lens[i], uint64(len(r.b)+1))))}
	}
	ctr, key := cols[1], cols[2]
	ctr.uint()
	o.mapCtr = ctr.uint()
	key.uint()
	o.key = string(key.lenBytes())
	o.value = slices.Clone(cols[6].b)
	if r.bad || len(r.b) != 0 || ctr.bad || key.bad || !slices.IsSortedFunc(o.deps, compareHashes) {
		return nil, false
	}
	if again, _ := o.encode(); !bytes.Equal(again, chunk) {
		return nil, false
	}
	o.actor, o.mapActor = slices.Clone(o.actor), slices.Clone(o.mapActor)
	return o, true
}

func compareHashes(a, b ChangeHash) int { return bytes.Compare(a[:], b[:]) }

// A leReader reads LEB128 numbers and byte strings; bad records anything
// cut short or too long, after which it reads zeros.
type leReader struct {
	b   []byte
	bad bool
}

func (r *leReader) uint() uint64 {
	v, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[k:]
	return v
}

func (r *leReader) take(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.bad, r.b = true, nil
		return make([]byte, max(n, 0))
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *leReader) lenBytes() []byte {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return nil
	}
	return r.take(int(n))
}

// An ownTip is where the document stands after a change made on the
// device, when that change is its only head: the change's hash and
// start operation (the document's largest operation counter, since a
// change's start operation is one past the largest of the document it
// was made on), and the statements map's id. actor and seq are set when
// the device wrote the change itself (putOwn): its next change goes on
// with the same actor, as automerge-go's would.
type ownTip struct {
	hash     ChangeHash
	startOp  uint64
	mapCtr   uint64
	mapActor []byte
	actor    []byte
	seq      uint64
}

// forked returns t for a copy of the cell: with no actor, so that the
// copy writes its changes as a new actor (as a fork in Automerge does)
// and two copies never make two changes under the same actor and
// sequence number.
func (t *ownTip) forked() *ownTip {
	if t == nil {
		return nil
	}
	return &ownTip{hash: t.hash, startOp: t.startOp, mapCtr: t.mapCtr, mapActor: t.mapActor}
}

// ownHeader is how a stored cell's header keeps its ownTip (SCHEMA §7).
type ownHeader struct {
	Hash     []byte `cbor:"1,keyasint"`
	StartOp  uint64 `cbor:"2,keyasint"`
	MapCtr   uint64 `cbor:"3,keyasint"`
	MapActor []byte `cbor:"4,keyasint"`
}

// onOwnChange, when set (by a test), is told whether a statement made on
// the device had its change written without loading the document.
var onOwnChange func(written bool)

// tipOf returns the tip an automerge-go change chunk of s, made on the
// device, leaves: nil unless the chunk is exactly what ownChange.encode
// makes for s (then the device can write the next change itself).
func tipOf(chunk []byte, hash ChangeHash, s *Statement) *ownTip {
	o, ok := parseOwnChange(chunk)
	if !ok || o.key != s.id.String() || !bytes.Equal(o.value, s.raw) {
		return nil
	}
	return &ownTip{hash: hash, startOp: o.startOp, mapCtr: o.mapCtr, mapActor: o.mapActor}
}

// header returns how t is kept in a header whose heads are heads: nil if
// the change is not their only head.
func (t *ownTip) header(heads []ChangeHash) *ownHeader {
	if t == nil || len(heads) != 1 || heads[0] != t.hash {
		return nil
	}
	return &ownHeader{Hash: t.hash[:], StartOp: t.startOp, MapCtr: t.mapCtr, MapActor: t.mapActor}
}

// tip returns the ownTip h keeps, nil if none or if it is not for heads.
func (h *ownHeader) tip(heads [][]byte) *ownTip {
	if h == nil || len(heads) != 1 || !bytes.Equal(heads[0], h.Hash) || len(h.Hash) != len(ChangeHash{}) || len(h.MapActor) == 0 || h.StartOp == 0 || h.MapCtr == 0 {
		return nil
	}
	return &ownTip{hash: ChangeHash(h.Hash), startOp: h.StartOp, mapCtr: h.MapCtr, mapActor: slices.Clone(h.MapActor)}
}

// newActor returns a random actor id as automerge-go makes them: a
// version 4 UUID.
func newActor() ([]byte, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b, nil
}

// putOwn stores s, made on the device, writing its Automerge change
// itself instead of loading the document, when the document's only head
// is a change the device made and knows (c.own) and the change can go
// to storage as one more chunk. It returns false, having changed
// nothing, when any of that does not hold: the caller then loads the
// document and lets Automerge make the change (put). The caller holds
// c.mu.
//
// A resting cell (its statements not read back) with its state stays
// so: the statement waits in ownPending for Cell.Delta, and the cell
// reads its statements and document back, when a method needs them,
// with the statement and the change added (extendedReload). Its key
// cannot be in the map already: it is the digest of what the device
// just signed with seq one past the largest of its author the state
// counts, and the same bytes held would have been counted (their prev
// are the heads the device holds).
func (c *Cell) putOwn(s *Statement) (bool, error) {
	t := c.own
	if c.doc != nil || t == nil || len(c.savedHeads) != 1 || c.savedHeads[0] != t.hash ||
		!c.inStore || c.docDirty || c.chunks+len(c.newChunks) >= maxOwnChunks {
		return false, nil
	}
	key := s.id.String()
	resting := c.entries == nil && c.saved == nil && c.state != nil && c.reload != nil
	if !resting {
		if err := c.warm(); err != nil {
			return false, err
		}
		if c.entries[key] != nil {
			return false, nil // Automerge would name what it replaces
		}
		if c.saved == nil {
			saved, err := c.fetch()
			if err != nil {
				return false, err
			}
			c.saved = saved
		}
	}
	actor, seq := t.actor, t.seq+1
	if actor == nil {
		var err error
		if actor, err = newActor(); err != nil {
			return false, err
		}
		seq = 1
	}
	o := &ownChange{deps: []ChangeHash{t.hash}, actor: actor, seq: seq, startOp: t.startOp + 1, mapCtr: t.mapCtr, mapActor: t.mapActor, key: key, value: s.raw}
	chunk, hash := o.encode()
	if resting {
		se := snapshotEntry{Key: key, Raw: s.raw, Sig: 1}
		c.reload = extendedReload(c.reload, c.savedHeads, []ChangeHash{hash}, chunk, se)
	} else {
		// saved may be shared with the cell this one was cloned from.
		c.saved = append(c.saved[:len(c.saved):len(c.saved)], chunk...)
	}
	c.savedHeads = []ChangeHash{hash}
	c.newChunks = append(c.newChunks, chunk)
	c.own = &ownTip{hash: hash, startOp: o.startOp, mapCtr: t.mapCtr, mapActor: t.mapActor, actor: actor, seq: seq}
	c.appendOwn(s)
	return true, nil
}

// restingFork returns a copy of c that rests as c does, for a resting
// cell with its state whose next statement putOwn can write without
// reading it back (its document's only head its own change); nil for
// any other. The caller holds c.mu.
func (c *Cell) restingFork() *Cell {
	t := c.own
	if c.entries != nil || c.doc != nil || c.saved != nil || c.state == nil || c.reload == nil ||
		t == nil || len(c.savedHeads) != 1 || c.savedHeads[0] != t.hash {
		return nil
	}
	f := newCell(nil, c.id)
	f.entries = nil
	f.inherit(c)
	f.state, f.own = c.state, t.forked()
	f.savedHeads, f.appended, f.reload = c.savedHeads, c.appended, c.reload
	f.ownPending, f.storedEntries = maps.Clone(c.ownPending), c.storedEntries
	return f
}
