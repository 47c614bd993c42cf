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
	return contentsHash(contents, c.sum)
}

// contentsHash returns the hash of a change with contents (uncompressed),
// and whether its first 4 bytes are sum, the chunk's checksum.
func contentsHash(contents []byte, sum [4]byte) (hash ChangeHash, ok bool) {
	h := sha256.New()
	h.Write([]byte{1})
	h.Write(binary.AppendUvarint(nil, uint64(len(contents))))
	h.Write(contents)
	h.Sum(hash[:0])
	return hash, [4]byte(hash[:4]) == sum
}

// depHashes returns the hashes of the change's dependencies, read from
// the start of its contents (their number, then each, 32 bytes).
func depHashes(contents []byte) ([]ChangeHash, bool) {
	n, k := binary.Uvarint(contents)
	if k <= 0 || n > uint64(len(contents)-k)/32 {
		return nil, false
	}
	b := contents[k:]
	deps := make([]ChangeHash, n)
	for i := range deps {
		deps[i] = ChangeHash(b[:32])
		b = b[32:]
	}
	return deps, true
}

// chunkHeads returns the hashes of the changes of chunks that no other
// change of chunks depends on, and the hashes of them all. Automerge
// applies a change only once it holds all its dependencies, so a
// document that holds every head holds every change of chunks: each is a
// head or, through dependencies listed in chunks, an ancestor of one.
// Asking Automerge for each change instead costs a copy of each, freed
// only when Go's garbage collector runs (a 100,000-change chunk: over
// 200 MB). ok is false if a chunk does not inflate, its checksum does
// not match or its dependencies cannot be read.
func chunkHeads(chunks []changeChunk) (heads, all []ChangeHash, ok bool) {
	all = make([]ChangeHash, len(chunks))
	depended := make(map[ChangeHash]bool, len(chunks))
	for i, c := range chunks {
		contents, ok := c.contents()
		if !ok {
			return nil, nil, false
		}
		if all[i], ok = contentsHash(contents, c.sum); !ok {
			return nil, nil, false
		}
		deps, ok := depHashes(contents)
		if !ok {
			return nil, nil, false
		}
		for _, d := range deps {
			depended[d] = true
		}
	}
	for _, h := range all {
		if !depended[h] {
			heads = append(heads, h)
			depended[h] = true // listed once
		}
	}
	return heads, all, true
}
