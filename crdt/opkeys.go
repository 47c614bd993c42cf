package crdt

import (
	"encoding/binary"
)

// Which map keys a change chunk touches, read from its bytes.
//
// A worker that holds a cell's document (see session.go) takes in a chunk
// and must tell which statements it added, altered or deleted, without
// listing the whole statement map. automerge-go offers no way to read the
// operations of a change, so the chunk's operation columns are read here
// (Automerge binary format: a change's contents are its dependencies,
// actor, sequence number, first operation, time, message and other actors,
// then the operation columns' specifications and data). Only two things
// are read: every operation's object, which must not be the root (an
// operation on the root could replace the statement map or the header),
// and its key, which must be a string (a key in a map). The keys found are
// where the statement map can have changed; the worker then reads those
// keys only, and checks that the map's size moved by exactly what they
// account for. Anything else — a document chunk, a compressed column, an
// operation on the root or with a list position for a key, a malformed
// column — gives ok false, and the worker lists the whole map instead.

// Column specifications of a change's operations: the column id shifted
// left by 4, then the compression bit (8), then the value type.
const (
	colObjActor = 0<<4 | 1 // actor index, run-length encoded
	colObjCtr   = 0<<4 | 2 // counter, run-length encoded
	colKeyStr   = 1<<4 | 5 // string, run-length encoded
	colAction   = 4<<4 | 2 // action, run-length encoded
	colDeflate  = 8
)

// maxChunkOps bounds the operations read from one chunk; beyond it the
// worker lists the whole map (an honest change holds one operation per
// statement).
const maxChunkOps = 1 << 20

// chunkKeys returns the distinct map keys that the operations of the
// change chunks in b touch, and ok false if it cannot vouch that these
// are all the keys of the statement map the chunks can change (see above).
func chunkKeys(b []byte) (keys []string, ok bool) {
	chunks, ok := changeChunks(b)
	if !ok {
		return nil, false
	}
	seen := map[string]bool{}
	for _, c := range chunks {
		contents, ok := c.contents()
		if !ok || !changeKeys(contents, seen) {
			return nil, false
		}
	}
	for k := range seen {
		keys = append(keys, k)
	}
	return keys, true
}

// changeKeys adds the keys of one change's operations to seen.
func changeKeys(b []byte, seen map[string]bool) bool {
	r := &leb{b: b}
	deps := r.uint(len(b) / 32)
	r.skip(32 * deps)
	r.skip(r.uint(len(b)))     // actor
	r.uint(-1)                 // sequence number
	r.uint(-1)                 // first operation
	r.int()                    // time
	r.skip(r.uint(len(b)))     // message
	for range r.uint(len(b)) { // other actors
		r.skip(r.uint(len(b)))
	}
	ncols := r.uint(len(b))
	type column struct{ spec, n int }
	cols := make([]column, 0, min(ncols, 64))
	for range ncols {
		cols = append(cols, column{r.uint(-1), r.uint(len(b))})
	}
	if r.bad {
		return false
	}
	data := map[int][]byte{}
	for _, c := range cols {
		d := r.take(c.n)
		if r.bad {
			return false
		}
		switch c.spec &^ colDeflate {
		case colObjActor, colObjCtr, colKeyStr, colAction:
			if c.spec&colDeflate != 0 {
				return false // compressed: not read here
			}
		}
		data[c.spec] = d
	}
	ops, nulls, ok := rleCount(data[colAction], false)
	if !ok || nulls > 0 {
		return false
	}
	for _, spec := range []int{colObjActor, colObjCtr} {
		if n, nulls, ok := rleCount(data[spec], false); !ok || n != ops || nulls > 0 {
			return false // an operation on the root, or columns that disagree
		}
	}
	keys, ok := rleStrings(data[colKeyStr], ops)
	if !ok {
		return false
	}
	for _, k := range keys {
		seen[k] = true
	}
	return true
}

// rleCount counts the values of a run-length encoded column of unsigned
// integers (or strings, if str), and the nulls among them.
func rleCount(b []byte, str bool) (n, nulls int, ok bool) {
	r := &leb{b: b}
	for len(r.b) > 0 && !r.bad {
		run := r.int()
		switch {
		case run > 0:
			r.value(str)
			n += run
		case run < 0:
			for range min(-run, len(b)) {
				r.value(str)
			}
			if -run > len(b) {
				return 0, 0, false
			}
			n += -run
		default:
			c := r.uint(maxChunkOps)
			n += c
			nulls += c
		}
		if n > maxChunkOps {
			return 0, 0, false
		}
	}
	return n, nulls, !r.bad
}

// rleStrings returns the distinct strings of a run-length encoded string
// column that must hold want values, none of them null.
func rleStrings(b []byte, want int) ([]string, bool) {
	if n, nulls, ok := rleCount(b, true); !ok || n != want || nulls > 0 {
		return nil, false
	}
	var out []string
	r := &leb{b: b}
	for len(r.b) > 0 {
		run := r.int()
		if run > 0 {
			run = -1 // one value, repeated
		}
		for range -run {
			out = append(out, string(r.take(r.uint(len(b)))))
		}
	}
	return out, true
}

// leb reads LEB128 numbers and byte strings; any error sets bad.
type leb struct {
	b   []byte
	bad bool
}

// uint reads an unsigned number no larger than limit (any, if negative).
func (r *leb) uint(limit int) int {
	v, k := binary.Uvarint(r.b)
	if k <= 0 || v > 1<<40 || (limit >= 0 && v > uint64(limit)) {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[k:]
	return int(v)
}

// int reads a signed number (two's complement LEB128, not zigzag).
func (r *leb) int() int {
	var v int64
	var shift uint
	for i, c := range r.b {
		if i == 10 {
			break
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if c&0x40 != 0 {
				v |= -1 << shift
			}
			r.b = r.b[i+1:]
			return int(v)
		}
	}
	r.bad, r.b = true, nil
	return 0
}

func (r *leb) take(n int) []byte {
	if n > len(r.b) {
		r.bad, r.b = true, nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *leb) skip(n int) { r.take(n) }

// value skips one value of a column: a string or an unsigned number.
func (r *leb) value(str bool) {
	if str {
		r.skip(r.uint(len(r.b)))
	} else {
		r.uint(-1)
	}
}
