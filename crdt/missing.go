package crdt

import (
	"fmt"

	"github.com/automerge/automerge-go"
)

// ChangesMissing returns, as one change chunk, every change that at least
// one of several replicas lacks, where known holds each replica's heads (an
// empty entry means a replica this device knows nothing about, which gets
// every change). It also returns how many changes the chunk holds; each
// change made by this package carries one statement, so this is the number
// of statements sent (a rare repair change, see SCHEMA.md, counts too).
// The changes keep the document's order, so [Cell.ApplyChanges] and
// [Load] accept the chunk.
func (c *Cell) ChangesMissing(known [][]ChangeHash) ([]byte, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.ensureDoc(); err != nil {
		return nil, 0, err
	}
	if len(known) == 0 {
		known = [][]ChangeHash{nil}
	}
	missing := map[automerge.ChangeHash]bool{}
	for _, since := range known {
		have := c.have(since)
		if len(have) == 0 {
			// Everything is missing for this replica: no need to look further.
			all, err := c.doc.Changes()
			if err != nil {
				return nil, 0, fmt.Errorf("changes missing: %w", err)
			}
			return automerge.SaveChanges(all), len(all), nil
		}
		chs, err := c.doc.Changes(have...)
		if err != nil {
			return nil, 0, fmt.Errorf("changes missing: %w", err)
		}
		if len(known) == 1 {
			// One replica: its list is already in document order.
			return automerge.SaveChanges(chs), len(chs), nil
		}
		for _, ch := range chs {
			missing[ch.Hash()] = true
		}
	}
	all, err := c.doc.Changes()
	if err != nil {
		return nil, 0, fmt.Errorf("changes missing: %w", err)
	}
	out := make([]*automerge.Change, 0, len(missing))
	for _, ch := range all {
		if missing[ch.Hash()] {
			out = append(out, ch)
		}
	}
	return automerge.SaveChanges(out), len(out), nil
}

// have returns the hashes of since that the document knows. The caller
// holds c.mu.
func (c *Cell) have(since []ChangeHash) []automerge.ChangeHash {
	var have []automerge.ChangeHash
	for _, h := range since {
		if _, err := c.doc.Change(automerge.ChangeHash(h)); err == nil {
			have = append(have, automerge.ChangeHash(h))
		}
	}
	return have
}

// IsDocument reports whether b starts like a whole saved document (as made
// by [Cell.Save]) rather than a chunk of changes (as made by
// [Cell.ChangesSince]). It only looks at the chunk header; it checks nothing.
func IsDocument(b []byte) bool {
	// An Automerge chunk is a 4-byte magic, a 4-byte checksum, then its
	// type: 0 for a document, 1 for a change, 2 for a compressed change.
	return len(b) > 8 && [4]byte(b[:4]) == chunkMagic && b[8] == 0
}

// chunkRoots counts the changes without dependencies in a sequence of
// change chunks by reading only their headers (chunks.go). ok is false if
// b holds a document chunk or is not a sequence of change chunks; the
// caller then asks Automerge.
func chunkRoots(b []byte) (roots int, ok bool) {
	chunks, ok := changeChunks(b)
	if !ok {
		return 0, false
	}
	for _, c := range chunks {
		deps, ok := c.deps()
		if !ok {
			return 0, false
		}
		if deps == 0 {
			roots++
		}
	}
	return roots, true
}

// chunkHeadHashes returns the hashes of the heads of the changes in a
// sequence of change chunks (see [chunkHeads]): a document that holds
// them holds every change of b. ok is false if b is not a sequence of
// change chunks or a checksum does not match. It runs in the worker
// (decompressing is bounded by the worker's memory limit).
func chunkHeadHashes(b []byte) (heads []automerge.ChangeHash, ok bool) {
	chunks, ok := changeChunks(b)
	if !ok {
		return nil, false
	}
	hs, _, ok := chunkHeads(chunks)
	if !ok {
		return nil, false
	}
	for _, h := range hs {
		heads = append(heads, automerge.ChangeHash(h))
	}
	return heads, true
}
