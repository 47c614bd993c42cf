package crdt

import (
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"io"
)

// Change chunks, read from their bytes (Automerge binary format): a 4-byte
// magic, a 4-byte checksum, the chunk's type (0 a document, 1 a change, 2
// a change whose contents are raw DEFLATE compressed), the contents'
// length as an unsigned LEB128, then the contents, which start with the
// number of the change's dependencies. The worker and the checker read
// what they need from here instead of asking Automerge.

var chunkMagic = [4]byte{0x85, 0x6f, 0x4a, 0x83}

// A changeChunk is one change chunk of a sequence.
type changeChunk struct {
	sum        [4]byte
	compressed bool
	raw        []byte // the contents as stored
}

// changeChunks splits b into its change chunks; ok is false if b is not a
// sequence of change chunks (a document chunk, another type, a chunk cut
// short).
func changeChunks(b []byte) (chunks []changeChunk, ok bool) {
	for len(b) > 0 {
		if len(b) < 9 || [4]byte(b[:4]) != chunkMagic || (b[8] != 1 && b[8] != 2) {
			return nil, false
		}
		n, k := binary.Uvarint(b[9:])
		if k <= 0 || n > uint64(len(b)-9-k) {
			return nil, false
		}
		chunks = append(chunks, changeChunk{sum: [4]byte(b[4:8]), compressed: b[8] == 2, raw: b[9+k : 9+k+int(n)]})
		b = b[9+k+int(n):]
	}
	return chunks, true
}

// contents returns the change's contents, uncompressed; ok is false if a
// compressed chunk does not inflate within MaxDocumentSize.
func (c changeChunk) contents() ([]byte, bool) {
	if !c.compressed {
		return c.raw, true
	}
	b, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(c.raw)), MaxDocumentSize+1))
	return b, err == nil && len(b) <= MaxDocumentSize
}

// deps returns the number of the change's dependencies, inflating no more
// of a compressed chunk than that number takes.
func (c changeChunk) deps() (uint64, bool) {
	if !c.compressed {
		n, k := binary.Uvarint(c.raw)
		return n, k > 0
	}
	n, err := binary.ReadUvarint(bufio.NewReaderSize(flate.NewReader(bytes.NewReader(c.raw)), 16))
	return n, err == nil
}

// hash returns the change's hash, the SHA-256 of its type as uncompressed
// (1), length and contents; ok is false if the contents do not inflate or
// the chunk's checksum (the hash's first 4 bytes) does not match.
func (c changeChunk) hash() (hash ChangeHash, ok bool) {
	contents, ok := c.contents()
	if !ok {
		return hash, false
	}
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(binary.AppendUvarint(nil, uint64(len(contents))))
	h.Write(contents)
	h.Sum(hash[:0])
	return hash, [4]byte(hash[:4]) == c.sum
}
