package reputation

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"sort"
	"sync"
	"time"
)

// sourceForm is the form of an encoded Source; a new form makes every
// older one unreadable (DecodeSource then fails: prepare it again). Form
// 1 kept each rating's statement id, tags and note with the rest.
const sourceForm = 2

// textPartSize is the size at which [Source.EncodeParts] ends a part of
// the texts: an explanation reads the part of each rating it explains,
// a few kilobytes, not every rating's.
const textPartSize = 8 << 10

// partSumSize is how many bytes of the SHA-256 of each part main holds:
// a part given for another, or damaged, is not read as that part.
const partSumSize = 16

// ErrNotSource is returned by [DecodeSource] for bytes that are not a
// Source of this form.
var ErrNotSource = errors.New("reputation: not a kept source of this form")

// EncodeParts returns s as bytes for [DecodeSourceParts], who is blocked
// aside: what every computation reads (main), and, in parts, what only
// explanations read. main is unsigned varints (signed for seconds): the
// form (2), the number of people and of ratings, each person's id (its
// length times two, plus one for lowercase hexadecimal kept as the bytes
// it spells) and name, the viewer's number plus one (0: none), the
// verified and the replaced (count, numbers), whether each person
// appears outside ratings (a bit each), then per cell its id, name,
// members (number, status rank, vouchers) and ratings (subject, rater,
// safety·8 + reliability, day and time made as seconds and nanoseconds
// since 1970, tie), last the number of parts and, for each, how many
// ratings' texts it holds and the first 16 bytes of its SHA-256. The texts are numbered by subject (numberTexts); each part
// holds the next of them, per rating its statement id (as a person's),
// tags (count plus one, 0 for none) and note, and ends once it holds
// textPartSize bytes.
func (s *Source) EncodeParts() (main []byte, parts [][]byte) {
	var w sourceWriter
	w.uint(sourceForm)
	w.uint(s.ids.len())
	w.uint(s.ratings)
	for i := range s.ids.len() {
		w.id(s.ids.at(int32(i)))
	}
	for i := range s.ids.len() {
		w.str(s.names.at(int32(i)))
	}
	w.uint(int(s.viewer) + 1)
	w.nums(s.verified)
	w.nums(s.replaced)
	bits := make([]byte, (s.ids.len()+7)/8)
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
	var counts []int
	var t sourceWriter
	for k := range s.ratings {
		r := s.texts.rating(int32(k))
		if len(t.b) == 0 {
			counts = append(counts, 0)
		}
		counts[len(counts)-1]++
		t.text(r)
		if len(t.b) >= textPartSize || k == s.ratings-1 {
			parts, t.b = append(parts, t.b), nil
		}
	}
	w.uint(len(counts))
	for k, n := range counts {
		w.uint(n)
		sum := sha256.Sum256(parts[k])
		w.b = append(w.b, sum[:partSumSize]...)
	}
	return w.b, parts
}

// Encode returns s as bytes for [DecodeSource]: what [Source.EncodeParts]
// returns, main then each part (its length, its bytes).
func (s *Source) Encode() []byte {
	b, parts := s.EncodeParts()
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// text writes what only explanations read of r.
func (w *sourceWriter) text(r *Rating) {
	w.id(r.ID)
	if r.Tags == nil {
		w.uint(0)
	} else {
		w.uint(len(r.Tags) + 1)
	}
	for _, tag := range r.Tags {
		w.str(tag)
	}
	w.str(r.Note)
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
		w.uint(int(r.tie))
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
// crash, and no allocation larger than b allows. It checks every part;
// the Source reads each when an explanation first asks for it. The
// Source refers to b, which must not be modified while it or a Result of
// it is in use.
func DecodeSource(b []byte) (*Source, error) {
	d := &sourceReader{b: b}
	s, t := d.source()
	parts := make([][]byte, len(t.first)-1)
	for k := range parts {
		n := d.uint()
		if n > uint64(len(d.b)) {
			d.fail()
		}
		parts[k] = d.take(int(n))
		if d.err == nil && t.part(k, parts[k]) == nil {
			d.fail()
		}
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, ErrNotSource
	}
	t.load = func(k int) []byte { return parts[k] }
	return s, nil
}

// DecodeSourceParts returns the Source [Source.EncodeParts] made main
// from, or [ErrNotSource] if main is not one, as [DecodeSource] does. It
// reads no part: an explanation that first needs the text of a rating
// calls part with the number of the part that holds it, once, and part
// returns what EncodeParts returned as that part, or nil if it cannot.
// A part that is missing or damaged (nil, or bytes that are not that
// part) leaves the explanations of its ratings without their statement
// id, tags and note; the scores are computed from main alone. part may
// be called from any goroutine, one call at a time.
func DecodeSourceParts(main []byte, part func(k int) []byte) (*Source, error) {
	d := &sourceReader{b: main}
	s, t := d.source()
	if d.err != nil || len(d.b) != 0 {
		return nil, ErrNotSource
	}
	t.load = part
	return s, nil
}

// source reads main as EncodeParts writes it, with its texts to be
// loaded.
func (d *sourceReader) source() (*Source, *decodedTexts) {
	if d.uint() != sourceForm {
		d.fail()
	}
	n, total := d.count(), d.count()
	s := &Source{ratings: total}
	s.ids = d.ids(n)
	s.names = d.list(n)
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
	t := &decodedTexts{ids: s.ids, all: all}
	t.readIndex(d)
	if d.err == nil {
		s.numberTexts(nil)
	}
	s.texts = t
	return s, t
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

// fail records damage; what is left is dropped, so that every read after
// it returns zero values.
func (d *sourceReader) fail() { d.err, d.b = ErrNotSource, nil }

// uint reads an unsigned varint. Most numbers a source holds take one
// byte (marks, ties, counts, the nanoseconds of a whole day): those are
// read here, small enough to be inlined, and the rest by uintLong.
func (d *sourceReader) uint() uint64 {
	if len(d.b) > 0 && d.b[0] < 0x80 { // nothing is left after a failure
		v := uint64(d.b[0])
		d.b = d.b[1:]
		return v
	}
	return d.uintLong()
}

func (d *sourceReader) uintLong() uint64 {
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

// list reads n strings as Encode writes them (ids or names), each
// read when first asked for: a start that computes asks for the ids and
// names of the few people it explains and keeps, not of everyone.
func (d *sourceReader) list(n int) *encodedList {
	from := d.b
	if len(from) > math.MaxInt32 {
		d.fail()
		return nil
	}
	off := make([]int32, n)
	for i := range off {
		off[i] = int32(len(from) - len(d.b))
		d.part()
	}
	return &encodedList{b: from[:len(from)-len(d.b)], off: off}
}

// ids reads the ids of n people, and checks they are sorted and
// distinct.
func (d *sourceReader) ids(n int) personIDs {
	l := d.list(n)
	if d.err != nil {
		return idList(nil)
	}
	var a, b []byte
	for i := 1; i < n; i++ {
		if !l.before(int32(i-1), int32(i), &a, &b) {
			d.fail()
			return idList(nil)
		}
	}
	return l
}

// before reports whether string i sorts before string j, as spelled.
// Two spelled the same way (both hexadecimal, or neither) compare as
// kept: lowercase hexadecimal spells each byte as two digits in the
// order of the bytes, so it keeps their order (and equality). Only a
// pair spelled differently is spelled out, in a and b, to compare.
func (l *encodedList) before(i, j int32, a, b *[]byte) bool {
	x, xHex := (&sourceReader{b: l.b[l.off[i]:]}).part()
	y, yHex := (&sourceReader{b: l.b[l.off[j]:]}).part()
	if xHex == yHex {
		return string(x) < string(y)
	}
	*a, *b = l.appendAt((*a)[:0], i), l.appendAt((*b)[:0], j)
	return string(*a) < string(*b)
}

// encodedList is a list of strings as Encode writes them and where each
// starts.
type encodedList struct {
	b   []byte
	off []int32
}

// appendAt appends string i to buf.
func (l *encodedList) appendAt(buf []byte, i int32) []byte {
	d := &sourceReader{b: l.b[l.off[i]:]}
	raw, isHex := d.part()
	if isHex {
		return hex.AppendEncode(buf, raw)
	}
	return append(buf, raw...)
}

func (l *encodedList) at(i int32) string { return string(l.appendAt(nil, i)) }

func (l *encodedList) len() int { return len(l.off) }

func (l *encodedList) search(id string) (int, bool) {
	var buf []byte
	i := sort.Search(len(l.off), func(i int) bool {
		buf = l.appendAt(buf[:0], int32(i))
		return string(buf) >= id
	})
	return i, i < len(l.off) && string(l.appendAt(buf[:0], int32(i))) == id
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
		r := sourceRating{subject: d.num(n), rater: d.num(n)}
		marks := d.num(6 << 3)
		r.safety, r.reliability = int8(marks>>3), int8(marks&7)
		r.day, r.dayNs = d.int(), int32(d.num(1e9))
		r.made, r.madeNs = d.int(), int32(d.num(1e9))
		r.tie = d.num(cap(all))
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

// decodedTexts are the texts of a decoded Source's ratings, each part
// loaded when one of its texts is first asked for.
type decodedTexts struct {
	ids   personIDs
	all   []sourceRating // in order of cells and ratings in each
	first []int32        // the number of the first text of each part, then of all
	sums  []byte         // of each part, partSumSize bytes
	load  func(k int) []byte

	mu     sync.Mutex
	byText []int32     // where each text's rating is in all, by text number
	parts  []*textPart // by number, each once loaded
}

// textPart is a part of the texts, loaded: its bytes and where each text
// starts in them (an offset of 4 bytes, not a slice of 24: a part may
// hold thousands), or b nil if the part could not be read.
type textPart struct {
	b   []byte
	off []int32
}

// readIndex reads how many texts each part holds.
func (t *decodedTexts) readIndex(d *sourceReader) {
	k := d.count()
	t.first = make([]int32, 1, k+1)
	for range k {
		n := d.uint()
		if n == 0 || n > uint64(len(t.all))-uint64(t.first[len(t.first)-1]) {
			d.fail()
			return
		}
		t.first = append(t.first, t.first[len(t.first)-1]+int32(n))
		t.sums = append(t.sums, d.take(partSumSize)...)
	}
	if t.first[len(t.first)-1] != int32(len(t.all)) {
		d.fail()
	}
	t.parts = make([]*textPart, k)
}

// part returns part k read from b, or nil if b is not that part.
func (t *decodedTexts) part(k int, b []byte) *textPart {
	if sum := sha256.Sum256(b); len(b) > math.MaxInt32 || string(sum[:partSumSize]) != string(t.sums[k*partSumSize:(k+1)*partSumSize]) {
		return nil
	}
	p := &textPart{b: b, off: make([]int32, t.first[k+1]-t.first[k])}
	d := &sourceReader{b: b}
	for i := range p.off {
		p.off[i] = int32(len(b) - len(d.b))
		if raw, _ := d.part(); len(raw) == 0 {
			d.fail() // a rating without an id is not valid
		}
		for range max(0, d.count()-1) {
			d.part()
		}
		d.part()
	}
	if d.err != nil || len(d.b) != 0 {
		return nil
	}
	return p
}

// rating returns the Rating of text k: what main holds of it, and its
// statement id, tags and note from its part (without them if the part
// cannot be read).
func (t *decodedTexts) rating(k int32) *Rating {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byText == nil {
		t.byText = make([]int32, len(t.all))
		for i := range t.all {
			t.byText[t.all[i].text] = int32(i)
		}
	}
	r := &t.all[t.byText[k]]
	out := &Rating{
		Rater: t.ids.at(r.rater), Subject: t.ids.at(r.subject),
		Safety: int(r.safety), Reliability: int(r.reliability),
		Day: time.Unix(r.day, int64(r.dayNs)).UTC(), Made: time.Unix(r.made, int64(r.madeNs)).UTC(),
	}
	pk, _ := slices.BinarySearch(t.first, k+1)
	pk-- // the last part whose first text is k or before
	if t.parts[pk] == nil {
		t.parts[pk] = &textPart{}
		if p := t.part(pk, t.load(pk)); p != nil {
			t.parts[pk] = p
		}
	}
	p := t.parts[pk]
	if p.b == nil {
		return out
	}
	d := &sourceReader{b: p.b[p.off[k-t.first[pk]]:]}
	out.ID = d.str()
	if k := d.count(); k > 0 {
		out.Tags = make([]string, k-1)
		for i := range out.Tags {
			out.Tags[i] = d.str()
		}
	}
	out.Note = d.str()
	return out
}
