package core

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"time"

	"trustdesk/crdt"
	"trustdesk/reputation"
)

// What the reputation is computed from, kept (crdt/SCHEMA.md §7, "What a
// start keeps"). The reputation kept for a day (startReputation) is of no
// use on another day: the age of every rating changes. But all that the
// computation reads apart from the day is worked out from the cells and
// the contacts alone, and reading every cell and naming everyone costs
// most of a start that must compute. So that is kept too, under
// startRepSource, keyed like the rest by everything it comes from (the
// digest of startInputs, not the time): a start on a new day, or after
// days closed, decodes it and computes only the reputation itself.
var startRepSource = []byte("reputation.source")

// repSource is a reputation.Input as it is whatever the time: Now unset,
// and every rating with a day the model reads, made whenever its author
// says (Made). at makes of it the Input of a moment.
type repSource struct{ in reputation.Input }

// at returns the Input of the reputation at now, with the time within
// which the same computation reads the same ratings and day: the ratings
// made, by their author's word, after this device's clock count once
// that time comes (crdt/SCHEMA.md §2.4), not as ratings of today that
// never age.
func (src *repSource) at(now time.Time) (*reputation.Input, keepWindow) {
	w := newKeepWindow(now)
	latest := now.Add(crdt.DayAllowance)
	in := src.in
	in.Now = dayOf(now)
	in.Cells = make([]reputation.Cell, len(src.in.Cells))
	for i, c := range src.in.Cells {
		in.Cells[i] = c
		all := true
		for _, r := range c.Ratings {
			counted := !r.Made.After(latest)
			w.rating(r.Made, counted)
			all = all && counted
		}
		if !all {
			in.Cells[i].Ratings = slices.DeleteFunc(slices.Clone(c.Ratings), func(r reputation.Rating) bool { return r.Made.After(latest) })
		}
	}
	return &in, w
}

// repSourceForm is the form of an encoded repSource; a new form makes
// every older one unreadable (then it is worked out again).
const repSourceForm = 1

// encode returns src as bytes for decodeRepSource: a table of every
// string it holds, each once, then its fields, strings by their place
// in the table. Slices keep whether they were nil (the JSON of a score
// tells null from empty).
func (src *repSource) encode() []byte {
	e := &srcEncoder{idx: map[string]uint64{}}
	in := &src.in
	e.str(in.Viewer)
	e.strs(in.Verified)
	e.strs(in.Blocked)
	e.strs(in.Replaced)
	e.uint(uint64(len(in.Names)))
	for id, n := range in.Names {
		e.str(id)
		e.str(n)
	}
	e.uint(uint64(len(in.Cells)))
	for _, c := range in.Cells {
		e.str(c.ID)
		e.str(c.Name)
		e.size(len(c.Members), c.Members == nil)
		for _, m := range c.Members {
			e.str(m.ID)
			e.str(m.Status)
			e.strs(m.VouchedBy)
		}
		e.size(len(c.Ratings), c.Ratings == nil)
		for _, r := range c.Ratings {
			e.str(r.ID)
			e.str(r.Rater)
			e.str(r.Subject)
			e.int(int64(r.Safety))
			e.int(int64(r.Reliability))
			e.time(r.Day)
			e.time(r.Made)
			e.strs(r.Tags)
			e.str(r.Note)
		}
	}
	out := binary.AppendUvarint(nil, repSourceForm)
	out = binary.AppendUvarint(out, uint64(len(e.table)))
	for _, s := range e.table {
		// Ids are lowercase hexadecimal: kept as the bytes they spell,
		// half the size (the length's lowest bit says which).
		if isLowerHex(s) {
			out = binary.AppendUvarint(out, uint64(len(s)/2)<<1|1)
			out, _ = hex.AppendDecode(out, []byte(s)) // hex: cannot fail
			continue
		}
		out = binary.AppendUvarint(out, uint64(len(s))<<1)
		out = append(out, s...)
	}
	return append(out, e.b...)
}

// isLowerHex reports whether s is a non-empty string of lowercase
// hexadecimal digits, two per byte.
func isLowerHex(s string) bool {
	if s == "" || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// srcEncoder writes a repSource: its fields in b, its strings in table.
type srcEncoder struct {
	b     []byte
	table []string
	idx   map[string]uint64
}

func (e *srcEncoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *srcEncoder) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }

func (e *srcEncoder) str(s string) {
	i, ok := e.idx[s]
	if !ok {
		i = uint64(len(e.table))
		e.idx[s] = i
		e.table = append(e.table, s)
	}
	e.uint(i)
}

// size writes the length of a slice: 0 for nil, else one more.
func (e *srcEncoder) size(n int, isNil bool) {
	if isNil {
		e.uint(0)
		return
	}
	e.uint(uint64(n) + 1)
}

func (e *srcEncoder) strs(ss []string) {
	e.size(len(ss), ss == nil)
	for _, s := range ss {
		e.str(s)
	}
}

// time writes t as seconds and nanoseconds since 1970 (read back in
// UTC: the model only compares times, and days are UTC).
func (e *srcEncoder) time(t time.Time) {
	e.int(t.Unix())
	e.uint(uint64(t.Nanosecond()))
}

var errRepSource = errors.New("core: not a kept reputation source")

// decodeRepSource returns the repSource encode made b from, or an error
// if b is not one (damaged, or of another form): never a crash, and no
// allocation larger than b allows.
func decodeRepSource(b []byte) (*repSource, error) {
	d := &srcDecoder{b: b}
	if d.uint() != repSourceForm {
		return nil, errRepSource
	}
	d.readTable()
	src := &repSource{}
	in := &src.in
	in.Viewer = d.str()
	in.Verified, in.Blocked, in.Replaced = d.strs(), d.strs(), d.strs()
	if n := d.count(); d.err == nil {
		in.Names = make(map[string]string, n)
		for range n {
			id := d.str()
			in.Names[id] = d.str()
		}
	}
	in.Cells = make([]reputation.Cell, d.count())
	for i := range in.Cells {
		in.Cells[i] = d.cell()
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, errRepSource
	}
	return src, nil
}

// srcDecoder reads what srcEncoder wrote; the first error sticks and
// every read after it returns zero values.
type srcDecoder struct {
	b     []byte
	table []string
	err   error
}

// readTable reads the table of strings into one string (one allocation
// for them all: a kept source holds tens of thousands), each a part of
// it.
func (d *srcDecoder) readTable() {
	d.table = make([]string, d.count())
	type part struct {
		raw []byte
		hex bool
	}
	parts := make([]part, len(d.table))
	size := 0
	for i := range parts {
		v := d.uint()
		n := v >> 1
		if d.err != nil || n > uint64(len(d.b)) {
			d.err = errRepSource
			return
		}
		parts[i] = part{d.b[:n], v&1 == 1}
		d.b = d.b[n:]
		size += int(n) << (v & 1)
	}
	all := make([]byte, 0, size)
	for _, p := range parts {
		if p.hex {
			all = hex.AppendEncode(all, p.raw)
		} else {
			all = append(all, p.raw...)
		}
	}
	str, at := string(all), 0
	for i, p := range parts {
		n := len(p.raw) << b2i(p.hex)
		d.table[i] = str[at : at+n]
		at += n
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (d *srcDecoder) uint() uint64 { return readVarint(d, binary.Uvarint) }
func (d *srcDecoder) int() int64   { return readVarint(d, binary.Varint) }

// readVarint reads one varint of d with read.
func readVarint[T uint64 | int64](d *srcDecoder, read func([]byte) (T, int)) T {
	if d.err != nil {
		return 0
	}
	v, n := read(d.b)
	if n <= 0 {
		d.err = errRepSource
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a count of things that each take at least one byte of
// what is left: a larger one is damage.
func (d *srcDecoder) count() int {
	v := d.uint()
	if v > uint64(len(d.b)) {
		d.err = errRepSource
		return 0
	}
	return int(v)
}

// size reads what srcEncoder.size wrote: -1 for nil.
func (d *srcDecoder) size() int {
	v := d.count()
	if d.err != nil {
		return 0
	}
	return v - 1
}

func (d *srcDecoder) str() string {
	i := d.uint()
	if d.err != nil || i >= uint64(len(d.table)) {
		d.err = errRepSource
		return ""
	}
	return d.table[i]
}

func (d *srcDecoder) strs() []string {
	n := d.size()
	if n < 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *srcDecoder) time() time.Time {
	sec, ns := d.int(), d.uint()
	if ns >= 1e9 || sec < math.MinInt64/2 || sec > math.MaxInt64/2 {
		d.err = errRepSource
		return time.Time{}
	}
	return time.Unix(sec, int64(ns)).UTC()
}

func (d *srcDecoder) cell() reputation.Cell {
	c := reputation.Cell{ID: d.str(), Name: d.str()}
	if n := d.size(); n >= 0 {
		c.Members = make([]reputation.Member, n)
		for i := range c.Members {
			c.Members[i] = reputation.Member{ID: d.str(), Status: d.str(), VouchedBy: d.strs()}
		}
	}
	if n := d.size(); n >= 0 {
		c.Ratings = make([]reputation.Rating, n)
		for i := range c.Ratings {
			r := &c.Ratings[i]
			r.ID, r.Rater, r.Subject = d.str(), d.str(), d.str()
			r.Safety, r.Reliability = int(d.int()), int(d.int())
			r.Day, r.Made = d.time(), d.time()
			r.Tags, r.Note = d.strs(), d.str()
		}
	}
	return c
}
