package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"

	"trustdesk/crdt"
)

// Packed changes (FORMAT.md §6, version 2).
//
// An Automerge change chunk carries a 4-byte checksum and the 32-byte
// hashes of the changes it depends on. Both are random to a compressor,
// and both can be worked out by the receiver when the changes they name
// are in the same file: the checksum is the start of the chunk's own hash,
// and a change usually depends on the one just before it. Packing leaves
// them out; unpacking restores the exact bytes.

const (
	packedMagic   = 'P'  // first byte of a packed field
	itemPacked    = 0x00 // a change chunk without checksum, deps by reference
	itemVerbatim  = 0x01 // any chunk, as it was
	itemRaw       = 0x02 // bytes that are not a chunk
	chunkChange   = 0x01 // Automerge chunk type of an uncompressed change
	chunkHeadSize = 8    // magic and checksum
)

var chunkMagic = []byte{0x85, 0x6f, 0x4a, 0x83}

// splitChunk splits the first Automerge chunk off b: its type, its
// contents, the whole chunk and the rest.
func splitChunk(b []byte) (typ byte, contents, chunk, rest []byte, ok bool) {
	if len(b) < chunkHeadSize+2 || !bytes.Equal(b[:4], chunkMagic) {
		return 0, nil, nil, nil, false
	}
	n, k := binary.Uvarint(b[chunkHeadSize+1:])
	start := chunkHeadSize + 1 + k
	if k <= 0 || n > uint64(len(b)-start) {
		return 0, nil, nil, nil, false
	}
	end := start + int(n)
	return b[chunkHeadSize], b[start:end], b[:end], b[end:], true
}

// chunkHash is the hash Automerge gives a chunk: SHA-256 over its type,
// length and contents.
func chunkHash(chunk []byte) [32]byte { return sha256.Sum256(chunk[chunkHeadSize:]) }

// packChanges packs a sequence of Automerge chunks. Bytes that are not a
// sequence of chunks, and sequences where packing saves nothing, are
// returned as they are; unpackChanges tells the forms apart by the first
// byte (an Automerge chunk starts with 0x85, a packed sequence with 'P').
func packChanges(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	if b[0] == packedMagic {
		// Not Automerge; kept as it is, but marked so it is not taken
		// for a packed sequence.
		out := binary.AppendUvarint([]byte{packedMagic, itemRaw}, uint64(len(b)))
		return append(out, b...)
	}
	out := []byte{packedMagic}
	index := map[[32]byte]int{} // hash of each uncompressed change chunk -> its position
	saved := false
	for i, rest := 0, b; len(rest) > 0; i++ {
		typ, contents, chunk, next, ok := splitChunk(rest)
		if !ok {
			return b
		}
		rest = next
		if typ == chunkChange {
			index[chunkHash(chunk)] = i // a change never depends on itself
		}
		deps, k := binary.Uvarint(contents)
		if typ != chunkChange || k <= 0 || deps > uint64(len(contents)-k)/32 {
			out = append(out, itemVerbatim)
			out = binary.AppendUvarint(out, uint64(len(chunk)))
			out = append(out, chunk...)
			continue
		}
		out = append(out, itemPacked)
		out = binary.AppendUvarint(out, deps)
		body := contents[k:]
		for range deps {
			dep := [32]byte(body[:32])
			body = body[32:]
			ref := 0
			if j, ok := index[dep]; ok {
				ref = i - j
			}
			out = binary.AppendUvarint(out, uint64(ref))
			if ref == 0 {
				out = append(out, dep[:]...)
			} else {
				saved = true
			}
		}
		out = binary.AppendUvarint(out, uint64(len(body)))
		out = append(out, body...)
	}
	if !saved && len(out) >= len(b) {
		return b
	}
	// Packing only pays off if unpacking gives the same bytes back; check,
	// rather than trust that every chunk follows the rules above.
	if back, err := unpackChanges(out); err != nil || !bytes.Equal(back, b) {
		return b
	}
	return out
}

var errPacked = errors.New("malformed packed changes")

// unpackChanges restores what packChanges packed; other bytes are returned
// as they are. The result is at most crdt.MaxDocumentSize bytes.
func unpackChanges(b []byte) ([]byte, error) {
	if len(b) == 0 || b[0] != packedMagic {
		return b, nil
	}
	u := &unpacker{b: b[1:]}
	u.out = make([]byte, 0, min(len(u.b)+len(u.b)/4, crdt.MaxDocumentSize))
	for len(u.b) > 0 {
		kind := u.b[0]
		u.b = u.b[1:]
		var err error
		switch kind {
		case itemVerbatim:
			err = u.verbatim()
		case itemRaw:
			err = u.raw()
		case itemPacked:
			err = u.packed()
		default:
			err = errPacked
		}
		if err != nil {
			return nil, err
		}
	}
	if len(u.out) == 0 {
		return nil, errPacked
	}
	return u.out, nil
}

// unpacker reads a packed changes field (FORMAT.md §6.1) one item at a
// time.
type unpacker struct {
	b   []byte // what is left to read
	out []byte // the Automerge bytes restored so far
	// hashes and isChange are, for every chunk in out in order, its hash
	// and whether it is a change (which a packed item's deps may refer to).
	hashes   [][32]byte
	isChange []bool
}

// grow reports whether n more bytes still fit in out.
func (u *unpacker) grow(n uint64) error {
	if n > crdt.MaxDocumentSize || uint64(len(u.out))+n > crdt.MaxDocumentSize {
		return errPacked
	}
	return nil
}

func (u *unpacker) uvarint() (uint64, error) {
	v, k := binary.Uvarint(u.b)
	if k <= 0 {
		return 0, errPacked
	}
	u.b = u.b[k:]
	return v, nil
}

// sized reads a length and that many bytes, which must fit in out.
func (u *unpacker) sized() ([]byte, error) {
	n, err := u.uvarint()
	if err != nil || n > uint64(len(u.b)) {
		return nil, errPacked
	}
	if err := u.grow(n); err != nil {
		return nil, err
	}
	p := u.b[:n]
	u.b = u.b[n:]
	return p, nil
}

// verbatim reads an item that holds one whole chunk, as it was.
func (u *unpacker) verbatim() error {
	p, err := u.sized()
	if err != nil {
		return err
	}
	typ, _, chunk, rest, ok := splitChunk(p)
	if !ok || len(rest) != 0 {
		return errPacked
	}
	u.out = append(u.out, chunk...)
	u.hashes = append(u.hashes, chunkHash(chunk))
	u.isChange = append(u.isChange, typ == chunkChange)
	return nil
}

// raw reads an item of bytes that are not a chunk.
func (u *unpacker) raw() error {
	p, err := u.sized()
	if err != nil {
		return err
	}
	u.out = append(u.out, p...)
	u.hashes = append(u.hashes, [32]byte{})
	u.isChange = append(u.isChange, false)
	return nil
}

// packed reads a change chunk written without its checksum, whose deps are
// given by reference to earlier changes where possible, and restores it.
func (u *unpacker) packed() error {
	deps, err := u.uvarint()
	if err != nil || deps > uint64(len(u.b)) {
		return errPacked
	}
	// The chunk is written straight into out: header with a checksum to
	// fill in, then the contents.
	start := len(u.out)
	u.out = append(u.out, chunkMagic...)
	u.out = append(u.out, 0, 0, 0, 0, chunkChange)
	lenAt := len(u.out)
	u.out = append(u.out, make([]byte, binary.MaxVarintLen64)...) // room for the length
	contentsAt := len(u.out)
	u.out = binary.AppendUvarint(u.out, deps)
	for range deps {
		ref, err := u.uvarint()
		if err != nil {
			return errPacked
		}
		switch {
		case ref == 0:
			if len(u.b) < 32 {
				return errPacked
			}
			u.out = append(u.out, u.b[:32]...)
			u.b = u.b[32:]
		case ref <= uint64(len(u.hashes)) && u.isChange[len(u.hashes)-int(ref)]:
			h := u.hashes[len(u.hashes)-int(ref)]
			u.out = append(u.out, h[:]...)
		default:
			return errPacked
		}
		if len(u.out) > crdt.MaxDocumentSize {
			return errPacked
		}
	}
	p, err := u.sized()
	if err != nil {
		return err
	}
	u.out = append(u.out, p...)
	// Now the length is known: write it and close the gap.
	length := binary.AppendUvarint(nil, uint64(len(u.out)-contentsAt))
	copy(u.out[lenAt:], length)
	u.out = append(u.out[:lenAt+len(length)], u.out[contentsAt:]...)
	h := chunkHash(u.out[start:])
	copy(u.out[start+4:start+chunkHeadSize], h[:4])
	u.hashes = append(u.hashes, h)
	u.isChange = append(u.isChange, true)
	return nil
}
