package reputation

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"time"
)

// sourceForm is the form of an encoded Source; a new form makes every
// older one unreadable (DecodeSource then fails: prepare it again).
const sourceForm = 1

// ErrNotSource is returned by [DecodeSource] for bytes that are not a
// Source of this form.
var ErrNotSource = errors.New("reputation: not a kept source of this form")

// Encode returns s as bytes for [DecodeSource], who is blocked aside:
// unsigned varints (signed for seconds), the form (1), the number of
// people and of ratings, each person's id (its length times two, plus
// one for lowercase hexadecimal kept as the bytes it spells) and name,
// the viewer's number plus one (0: none), the verified and the replaced
// (count, numbers), whether each person appears outside ratings (a bit
// each), then per cell its id, name, members (number, status rank,
// vouchers) and ratings (subject, rater, safety·8 + reliability, day and
// time made as seconds and nanoseconds since 1970); last, per rating in
// that order, what only explanations read (statement id as a person's,
// tags: count plus one, 0 for none, and note), which [DecodeSource]
// checks but reads only when a score is explained.
func (s *Source) Encode() []byte {
	var w sourceWriter
	w.uint(sourceForm)
	w.uint(len(s.ids))
	w.uint(s.ratings)
	for _, id := range s.ids {
		w.id(id)
	}
	for _, n := range s.names {
		w.str(n)
	}
	w.uint(int(s.viewer) + 1)
	w.nums(s.verified)
	w.nums(s.replaced)
	bits := make([]byte, (len(s.ids)+7)/8)
	for i, o := range s.outside {
		if o {
			bits[i/8] |= 1 << (i % 8)
		}
	}
	w.b = append(w.b, bits...)
	w.uint(len(s.cells))
	for c := range s.cells {
		w.cell(&s.cells[c])
	}
	for c := range s.cells {
		for _, r := range s.cells[c].ratings {
			t := s.texts.rating(r.text)
			w.id(t.ID)
			if t.Tags == nil {
				w.uint(0)
			} else {
				w.uint(len(t.Tags) + 1)
			}
			for _, tag := range t.Tags {
				w.str(tag)
			}
			w.str(t.Note)
		}
	}
	return w.b
}

// sourceWriter writes what Encode writes.
type sourceWriter struct{ b []byte }

func (w *sourceWriter) uint(v int)   { w.b = binary.AppendUvarint(w.b, uint64(v)) }
func (w *sourceWriter) int(v int64)  { w.b = binary.AppendVarint(w.b, v) }
func (w *sourceWriter) str(s string) { w.uint(len(s) << 1); w.b = append(w.b, s...) }

// id writes s, as the bytes it spells if it is lowercase hexadecimal.
func (w *sourceWriter) id(s string) {
	if !isLowerHex(s) {
		w.str(s)
		return
	}
	w.uint(len(s)/2<<1 | 1)
	w.b, _ = hex.AppendDecode(w.b, []byte(s)) // lowercase hexadecimal: cannot fail
}

func (w *sourceWriter) nums(xs []int32) {
	w.uint(len(xs))
	for _, x := range xs {
		w.uint(int(x))
	}
}

func (w *sourceWriter) cell(c *sourceCell) {
	w.str(c.id)
	w.str(c.name)
	w.uint(len(c.members))
	for _, m := range c.members {
		w.uint(int(m.id))
		w.uint(int(m.rank))
		w.nums(m.vouchers)
	}
	w.uint(len(c.ratings))
	for _, r := range c.ratings {
		w.uint(int(r.subject))
		w.uint(int(r.rater))
		w.uint(int(r.safety)<<3 | int(r.reliability))
		w.int(r.day)
		w.uint(int(r.dayNs))
		w.int(r.made)
		w.uint(int(r.madeNs))
	}
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

// DecodeSource returns the Source [Source.Encode] made b from, or
// [ErrNotSource] if b is not one (damaged, or of another form): never a
// crash, and no allocation larger than b allows. The Source refers to b,
// which must not be modified while it or a Result of it is in use.
func DecodeSource(b []byte) (*Source, error) {
	d := &sourceReader{b: b}
	if d.uint() != sourceForm {
		return nil, ErrNotSource
	}
	n, total := d.count(), d.count()
	s := &Source{ratings: total}
	s.ids = d.strings(n)
	for i := 1; i < len(s.ids); i++ {
		if s.ids[i-1] >= s.ids[i] {
			d.fail()
		}
	}
	s.names = d.strings(n)
	s.viewer = int32(d.num(n+1)) - 1
	s.verified, s.replaced = d.nums(n), d.nums(n)
	bits := d.take((n + 7) / 8)
	if d.err == nil {
		s.outside = make([]bool, n)
		for i := range s.outside {
			s.outside[i] = bits[i/8]&(1<<(i%8)) != 0
		}
	}
	all := make([]sourceRating, 0, total)
	s.cells = make([]sourceCell, d.count())
	for c := range s.cells {
		s.cells[c], all = d.cell(n, all)
	}
	if len(all) != total || (d.err == nil && !s.outsideHolds()) {
		d.fail()
	}
	texts := &decodedTexts{ids: s.ids, all: all}
	texts.readAll(d)
	if d.err != nil || len(d.b) != 0 {
		return nil, ErrNotSource
	}
	s.texts = texts
	return s, nil
}

// outsideHolds reports whether everyone who appears in s other than in
// a rating is marked as appearing outside ratings (Source.Compute
// renumbers without the others when none of their ratings count).
func (s *Source) outsideHolds() bool {
	ok := s.viewer < 0 || s.outside[s.viewer]
	for _, xs := range [][]int32{s.verified, s.replaced} {
		for _, x := range xs {
			ok = ok && s.outside[x]
		}
	}
	for c := range s.cells {
		for _, m := range s.cells[c].members {
			ok = ok && s.outside[m.id]
			for _, v := range m.vouchers {
				ok = ok && s.outside[v]
			}
		}
	}
	return ok
}

// sourceReader reads what sourceWriter wrote; the first error sticks and
// every read after it returns zero values.
type sourceReader struct {
	b   []byte
	err error
}

func (d *sourceReader) fail() { d.err = ErrNotSource }

func (d *sourceReader) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[k:]
	return v
}

func (d *sourceReader) int() int64 {
	if d.err != nil {
		return 0
	}
	v, k := binary.Varint(d.b)
	if k <= 0 || v < math.MinInt64/2 || v > math.MaxInt64/2 {
		d.fail()
		return 0
	}
	d.b = d.b[k:]
	return v
}

// count reads a count of things that each take at least one byte of
// what is left: a larger one is damage.
func (d *sourceReader) count() int {
	v := d.uint()
	if v > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(v)
}

// num reads a number below n.
func (d *sourceReader) num(n int) int32 {
	v := d.uint()
	if v >= uint64(n) {
		d.fail()
		return 0
	}
	return int32(v)
}

func (d *sourceReader) nums(n int) []int32 {
	k := d.count()
	if k == 0 {
		return nil
	}
	out := make([]int32, k)
	for i := range out {
		out[i] = d.num(n)
	}
	return out
}

// take returns the next k bytes.
func (d *sourceReader) take(k int) []byte {
	if d.err != nil || k > len(d.b) {
		d.fail()
		return nil
	}
	out := d.b[:k]
	d.b = d.b[k:]
	return out
}

// part reads one string as written: its bytes and whether they are
// hexadecimal to spell.
func (d *sourceReader) part() ([]byte, bool) {
	v := d.uint()
	if v>>1 > uint64(len(d.b)) {
		d.fail()
		return nil, false
	}
	return d.take(int(v >> 1)), v&1 == 1
}

func (d *sourceReader) str() string {
	raw, isHex := d.part()
	if isHex {
		return hex.EncodeToString(raw)
	}
	return string(raw)
}

// strings reads k strings into one string (one allocation for them all:
// a kept source holds tens of thousands), each a part of it: once to
// learn their size, once to write them.
func (d *sourceReader) strings(k int) []string {
	from := d.b
	size := 0
	for range k {
		raw, isHex := d.part()
		size += len(raw) << b2i(isHex)
	}
	if d.err != nil {
		return nil
	}
	var all strings.Builder
	all.Grow(size)
	var buf [64]byte
	lens := make([]int32, k)
	again := &sourceReader{b: from}
	for i := range lens {
		raw, isHex := again.part()
		lens[i] = int32(len(raw)) << b2i(isHex)
		for isHex && len(raw) > 0 {
			n := min(len(raw), len(buf)/2)
			all.Write(hex.AppendEncode(buf[:0], raw[:n]))
			raw = raw[n:]
		}
		all.Write(raw)
	}
	str, at := all.String(), 0
	out := make([]string, k)
	for i, n := range lens {
		out[i] = str[at : at+int(n)]
		at += int(n)
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// cell reads a cell of a Source of n people, its ratings appended to
// all (whose place there is their text's number).
func (d *sourceReader) cell(n int, all []sourceRating) (sourceCell, []sourceRating) {
	c := sourceCell{id: d.str(), name: d.str()}
	if k := d.count(); k > 0 {
		c.members = make([]sourceMember, k)
		for i := range c.members {
			c.members[i] = sourceMember{id: d.num(n), rank: int8(d.num(4)), vouchers: d.nums(n)}
		}
	}
	k := d.count()
	if len(all)+k > cap(all) {
		d.fail()
		return c, all
	}
	from := len(all)
	for range k {
		r := sourceRating{subject: d.num(n), rater: d.num(n), text: int32(len(all))}
		marks := d.num(6 << 3)
		r.safety, r.reliability = int8(marks>>3), int8(marks&7)
		r.day, r.dayNs = d.int(), int32(d.num(1e9))
		r.made, r.madeNs = d.int(), int32(d.num(1e9))
		if r.subject == r.rater || r.safety < 1 || r.safety > 5 || r.reliability < 1 || r.reliability > 5 {
			d.fail()
		}
		all = append(all, r)
	}
	if k > 0 {
		c.ratings = all[from:len(all):len(all)]
	}
	return c, all
}

// decodedTexts are the texts of a decoded Source's ratings, each read
// when asked for.
type decodedTexts struct {
	ids []string
	all []sourceRating // by text number
	b   []byte         // the texts, one after the other
	// off is where each rating's text starts in b, by text number (an
	// offset of 4 bytes, not a slice of 24: a kept source holds tens of
	// thousands).
	off []int32
}

// readAll checks every rating's text in d and notes where it is.
func (t *decodedTexts) readAll(d *sourceReader) {
	t.b, t.off = d.b, make([]int32, len(t.all))
	if len(d.b) > math.MaxInt32 {
		d.fail()
		return
	}
	for k := range t.off {
		t.off[k] = int32(len(t.b) - len(d.b))
		if raw, _ := d.part(); len(raw) == 0 {
			d.fail() // a rating without an id is not valid
		}
		for range max(0, d.count()-1) {
			d.part()
		}
		d.part()
		if d.err != nil {
			return
		}
	}
}

func (t *decodedTexts) rating(k int32) *Rating {
	r := &t.all[k]
	d := &sourceReader{b: t.b[t.off[k]:]}
	out := &Rating{
		ID: d.str(), Rater: t.ids[r.rater], Subject: t.ids[r.subject],
		Safety: int(r.safety), Reliability: int(r.reliability),
		Day: time.Unix(r.day, int64(r.dayNs)).UTC(), Made: time.Unix(r.made, int64(r.madeNs)).UTC(),
	}
	if k := d.count(); k > 0 {
		out.Tags = make([]string, k-1)
		for i := range out.Tags {
			out.Tags[i] = d.str()
		}
	}
	out.Note = d.str()
	return out
}
