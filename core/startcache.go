package core

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"

	"trustdesk/crdt"
	"trustdesk/internal/srcdigest"
	"trustdesk/reputation"
	"trustdesk/store"
)

// What a start shows, kept (crdt/SCHEMA.md §7, "What a start keeps"): the
// list of cells ([Service.Cells]) and part of the reputation
// ([Service.Reputation]: the scores of my own contacts and of the people
// the People list first shows as flagged). Each is kept under
// bucketStart, keyed by a digest of everything it was worked out from:
// the code (this package's source and the reputation's, the crdt rules
// through each cell's kept-state key, the build), me, each cell's stored
// header and my own contacts (for the list of cells and the reputation's
// source only what names people: see cellsInputs); the reputation also by the time it holds
// for (the day: see keepWindow).
// A start whose inputs have that digest reads the record instead of
// every cell's state; anything else (no record, another digest, another
// form, a damaged record, a digest of its body that does not match) is
// ignored and worked out again, then kept. Keeping only spares work: a
// failure to keep is not an error.
const bucketStart = "start"

var (
	startCells = []byte("cells")
	// startDetail keeps, apart from the list of cells, what its views
	// list of each cell's people and votes (CellView.details): a start
	// reads the list, and only a view asked for its people reads them.
	startDetail = []byte("cells.detail")
	// startAlike keeps the look-alike keys of names that are not ASCII
	// (lookalikeKey: about 6 µs each to compute), for whatever start
	// names everyone again.
	startAlike = []byte("alike")
	// startStarted keeps the day (a day number, a varint) of the last
	// start that asked for the reputation: whether the home was started
	// yesterday (startedYesterday).
	startStarted = []byte("started")
)

// startReputation is the key of the reputation kept for the day of t:
// keptDays keys, by day in turn, so that the ones kept ahead for the
// days after today (keepDaysAhead) do not replace today's.
func startReputation(t time.Time) []byte {
	return fmt.Appendf(nil, "reputation.%d", dayOf(t).Unix()/(24*60*60)%keptDays)
}

// daysAhead is how many days after today a change of the home (an
// import, a command of the command line) and the app's service keep the
// reputation of ahead, and keptDays how many days' reputations are kept
// at once: today's and those. A start within a week of the last change
// reads what was kept for its day (crdt/SCHEMA.md §7, "Kept ahead").
const (
	daysAhead = 7
	keptDays  = daysAhead + 1
)

// startForm is the form of a kept start record; a new form makes every
// older record stale.
const startForm = 1

// coreSource is every file of this package that is built into the
// program. TestCoreSourceComplete checks that the list is whole.
//
//go:embed app_workload.go cells.go contacts.go explain.go forked.go guardians.go guardians_change.go inspect.go invitations.go lookalike.go migrate.go oldcards.go replaced.go reputation.go service.go startcache.go startinput.go succession.go sync.go
var coreSource embed.FS

// startCode is the digest of the code that works out what a start shows
// (the crdt rules come in through crdt.KeptStateKey).
var startCode = sync.OnceValue(func() []byte {
	h := sha256.New()
	h.Write(srcdigest.Of(coreSource))
	h.Write(reputation.SourceDigest())
	h.Write(srcdigest.Build())
	return h.Sum(nil)
})

// keptStart is a kept start record: 1 form, 2 code digest, 3 digest of
// the inputs, 4 and 5 the time it holds for (Unix nanoseconds, from
// inclusive, until exclusive; 0 and 0 for always), 6 the body, 7 the
// body's digest.
type keptStart struct {
	Form   int    `cbor:"1,keyasint"`
	Code   []byte `cbor:"2,keyasint"`
	Inputs []byte `cbor:"3,keyasint"`
	From   int64  `cbor:"4,keyasint"`
	Until  int64  `cbor:"5,keyasint"`
	Body   []byte `cbor:"6,keyasint"`
	Sum    []byte `cbor:"7,keyasint"`
}

// startInputs returns the digest of what a start's reputation is
// worked out from, but the time, with my own contacts.
func (s *Service) startInputs(tx *store.Tx) ([]byte, []*Contact, error) {
	return s.inputsDigest(tx, func(c *Contact) ([]byte, error) { return encodeContact(c) })
}

// cellsInputs returns the digest of what a start's list of cells is
// worked out from: as startInputs, but of my contacts only what names
// people in cells (see namesFor and metIn: each contact's id, name and
// how they were verified). Blocking or unblocking someone, which changes
// the reputation, leaves the list of cells as it was, and a command that
// does so does not work out every cell's view again before it closes.
func (s *Service) cellsInputs(tx *store.Tx) ([]byte, []*Contact, error) {
	return s.inputsDigest(tx, func(c *Contact) ([]byte, error) {
		id := c.ID()
		return cborEnc.Marshal([]any{"cells", id[:], c.Name(), string(c.Verified)})
	})
}

// inputsDigest digests me, every cell's stored header and my own
// contacts, each as contact gives it.
func (s *Service) inputsDigest(tx *store.Tx, contact func(c *Contact) ([]byte, error)) ([]byte, []*Contact, error) {
	h := sha256.New()
	field := func(b []byte) {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
	}
	me := s.me().Card.ID()
	field(me[:])
	recs, err := tx.List(bucketCell, nil)
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(recs, func(a, b store.Record) int { return bytes.Compare(a.Key, b.Key) })
	s.dropStaleCells(recs)
	field(binary.BigEndian.AppendUint64(nil, uint64(len(recs))))
	for _, r := range recs {
		field(r.Key)
		field(crdt.KeptStateKey(r.Value))
	}
	contacts, err := listContacts(tx)
	if err != nil {
		return nil, nil, err
	}
	field(binary.BigEndian.AppendUint64(nil, uint64(len(contacts))))
	for _, c := range contacts {
		b, err := contact(c)
		if err != nil {
			return nil, nil, err
		}
		field(b)
	}
	return h.Sum(nil), contacts, nil
}

// dropStaleCells forgets the cells this service holds if the store's
// headers recs are not the ones it read or wrote them with: another
// program changed the home meanwhile (the command line while the app is
// open). Otherwise what a start shows would be worked out from the cells
// as they were and kept under the key of the home as it is, and every
// later start would show it (TestAttackStartKeptFromStaleCells). The
// caller holds s.mu.
func (s *Service) dropStaleCells(recs []store.Record) {
	if s.cells == nil {
		return
	}
	same := len(recs) == len(s.headers) && len(s.headers) == len(s.cells)
	for i := 0; same && i < len(recs); i++ {
		id, ok := cellKey(recs[i].Key)
		h, held := s.headers[id]
		same = ok && held && h == string(recs[i].Value)
	}
	if !same {
		s.cells = nil
	}
}

// cellKey returns the cell id a cell's record is stored under.
func cellKey(key []byte) (crdt.CellID, bool) {
	var id crdt.CellID
	if len(key) != len(id) {
		return id, false
	}
	return crdt.CellID(key), true
}

// keptAt reports whether a record is kept under key for inputs at now,
// by this code, in this form, as readStart would find it but for the
// digest of its body, which it does not compute (nor copy the body):
// a damaged body makes the start that reads it compute, as if nothing
// were kept.
func keptAt(tx *store.Tx, key, inputs []byte, now time.Time) bool {
	b, err := tx.Get(bucketStart, nil, key)
	if err != nil {
		return false
	}
	var k keptStart
	return unmarshalKeptStart(b, &k) == nil && k.fits(inputs, now)
}

// fits reports whether k was kept for inputs at now, by this code, in
// this form.
func (k *keptStart) fits(inputs []byte, now time.Time) bool {
	if k.Form != startForm || !bytes.Equal(k.Code, startCode()) || !bytes.Equal(k.Inputs, inputs) {
		return false
	}
	t := now.UnixNano()
	return k.From == 0 && k.Until == 0 || t >= k.From && t < k.Until
}

// readStart returns the body kept under key for inputs at now, or nil if
// none fits.
func readStart(tx *store.Tx, key, inputs []byte, now time.Time) []byte {
	return readStartIn(tx, nil, key, inputs, now)
}

// readStartIn is readStart of the record kept under key in group.
func readStartIn(tx *store.Tx, group, key, inputs []byte, now time.Time) []byte {
	b, err := tx.Get(bucketStart, group, key)
	if err != nil {
		return nil
	}
	return startBody(b, inputs, now)
}

// startBody returns the body of the kept start record b if it was kept
// for inputs at now, by this code, in this form, undamaged; else nil.
func startBody(b, inputs []byte, now time.Time) []byte {
	var k keptStart
	if unmarshalKeptStart(b, &k) != nil || !k.fits(inputs, now) {
		return nil
	}
	if sum := sha256.Sum256(k.Body); !bytes.Equal(k.Sum, sum[:]) {
		return nil
	}
	return k.Body
}

// unmarshalKeptStart reads the kept start record b into k as
// cbor.Unmarshal does, but its byte strings are parts of b, not copies,
// when b is as keepStart writes it (parseKeptStart): the body of the
// reputation's source is megabytes, and a copy of it was a share of a
// start that computes (crdt/SCHEMA.md §7). Anything else is read by
// cbor.Unmarshal.
func unmarshalKeptStart(b []byte, k *keptStart) error {
	if parseKeptStart(b, k) {
		return nil
	}
	*k = keptStart{}
	return cbor.Unmarshal(b, k)
}

// parseKeptStart reads b into k if b is a record as cborEnc writes a
// keptStart: a map of the seven keys, in order, each once, integers and
// byte strings (or null) of definite length, nothing after it. It gives
// what cbor.Unmarshal gives for such bytes (FuzzStartBody compares);
// for any other bytes it returns false.
func parseKeptStart(b []byte, k *keptStart) bool {
	r := keptReader{b: b, ok: true}
	var form int64
	ok := r.head() == (cborHead{5, 7}) &&
		r.key(1) && r.int(&form) && form == int64(int(form)) &&
		r.key(2) && r.bytes(&k.Code) && r.key(3) && r.bytes(&k.Inputs) &&
		r.key(4) && r.int(&k.From) && r.key(5) && r.int(&k.Until) &&
		r.key(6) && r.bytes(&k.Body) && r.key(7) && r.bytes(&k.Sum) &&
		r.ok && len(r.b) == 0
	k.Form = int(form)
	return ok
}

// cborHead is the major type and argument of a CBOR data item's head.
type cborHead struct {
	major byte
	arg   uint64
}

// keptReader reads the heads parseKeptStart reads; ok turns false for
// good at the first head it cannot read.
type keptReader struct {
	b  []byte
	ok bool
}

// head reads one head of definite length in its shortest form (a
// simple value or a float, major type 7, only in one byte: its argument
// is the simple value); anything else gives major type 8.
func (r *keptReader) head() cborHead {
	bad := cborHead{8, 0}
	if !r.ok || len(r.b) == 0 {
		r.ok = false
		return bad
	}
	major, info := r.b[0]>>5, r.b[0]&31
	r.b = r.b[1:]
	if info < 24 {
		return cborHead{major, uint64(info)}
	}
	n := 1 << (info - 24) // 24 to 27: 1, 2, 4 or 8 bytes
	if major == 7 || info > 27 || len(r.b) < n {
		r.ok = false
		return bad
	}
	var arg uint64
	for _, c := range r.b[:n] {
		arg = arg<<8 | uint64(c)
	}
	r.b = r.b[n:]
	if arg < 24 || n > 1 && arg>>(4*n) == 0 { // not the shortest form
		r.ok = false
		return bad
	}
	return cborHead{major, arg}
}

// key reads the map key k.
func (r *keptReader) key(k uint64) bool { return r.head() == cborHead{0, k} }

// int reads an integer that fits an int64.
func (r *keptReader) int(v *int64) bool {
	h := r.head()
	if (h.major != 0 && h.major != 1) || h.arg > math.MaxInt64 {
		return false
	}
	*v = int64(h.arg)
	if h.major == 1 {
		*v = -1 - *v
	}
	return true
}

// bytes reads a byte string, as a part of r's bytes, or null (nil).
func (r *keptReader) bytes(v *[]byte) bool {
	switch h := r.head(); {
	case h == cborHead{7, 22}:
		*v = nil
		return true
	case h.major != 2 || h.arg > uint64(len(r.b)):
		return false
	default:
		*v, r.b = r.b[:h.arg:h.arg], r.b[h.arg:]
		return true
	}
}

// inputsRead runs the test hook afterInputs, if set.
func (s *Service) inputsRead() {
	if s.afterInputs != nil {
		s.afterInputs()
	}
}

// keepStart keeps body under key for inputs, for the time from until
// until (both zero: always), if the home's inputs, as of gives them, are
// inputs still: body was worked out after inputs were read, and another
// program may have changed the home in between (a contact renamed or
// blocked from the command line while the app works out a start). Kept
// under inputs, body would show that change whenever the home came back
// to inputs (the name taken back, the block lifted), on every start
// (TestAttackKeptStartFromLaterHome). of nil keeps body whatever the
// home. It fails quietly: the next start works it out again.
func (s *Service) keepStart(key, inputs []byte, of inputsOf, body []byte, from, until int64) {
	s.keepStarts(inputs, of, from, until, keptRecordOf{key, body})
}

// keptRecordOf is a body to keep under a key (keepStarts).
type keptRecordOf struct{ key, body []byte }

// keepStarts is keepStart for several records, kept in one transaction:
// all of them or none, with one check of the home's inputs and one
// write to disk.
func (s *Service) keepStarts(inputs []byte, of inputsOf, from, until int64, recs ...keptRecordOf) {
	bs := make([][]byte, len(recs))
	for i, r := range recs {
		b, ok := keptStartRecord(inputs, r.body, from, until)
		if !ok {
			return
		}
		bs[i] = b
	}
	_ = s.db.Update(func(tx *store.Tx) error {
		if !inputsStill(tx, of, inputs) {
			return errStale
		}
		for i, r := range recs {
			if s.beforeKeep != nil {
				if err := s.beforeKeep(r.key); err != nil {
					return err
				}
			}
			if err := tx.Put(bucketStart, nil, r.key, bs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// keptStartRecord returns body as a kept start record for inputs, for
// the time from until until.
func keptStartRecord(inputs, body []byte, from, until int64) ([]byte, bool) {
	sum := sha256.Sum256(body)
	b, err := cborEnc.Marshal(keptStart{Form: startForm, Code: startCode(), Inputs: inputs, From: from, Until: until, Body: body, Sum: sum[:]})
	return b, err == nil
}

// inputsStill reports whether the home's inputs, as of gives them, are
// inputs (of nil: whatever they are).
func inputsStill(tx *store.Tx, of inputsOf, inputs []byte) bool {
	if of == nil {
		return true
	}
	now, _, err := of(tx)
	return err == nil && bytes.Equal(now, inputs)
}

// inputsOf returns the digest of what a kept start record is worked out
// from, with my own contacts (startInputs, cellsInputs).
type inputsOf func(tx *store.Tx) ([]byte, []*Contact, error)

// keptCells returns the list of cells kept for inputs, or nil. The
// views hold no state: each reads its cell's when a method needs it
// (see CellView.cellState).
func (s *Service) keptCells(tx *store.Tx, inputs []byte) []*CellView {
	b := readStart(tx, startCells, inputs, time.Time{})
	if b == nil {
		return nil
	}
	var views []*CellView
	if keptDec.Unmarshal(b, &views) != nil {
		return nil
	}
	me := s.me().Card.ID()
	detail := sync.OnceValue(s.detailLoader(inputs))
	for _, v := range views {
		if v == nil {
			return nil
		}
		v.me = me
		v.load = sync.OnceValue(s.stateLoader(v.ID))
		v.loadDetail = detail
	}
	return views
}

// keptDetail is what a view of the cell ID lists, as kept.
type keptDetail struct {
	ID     crdt.CellID
	Detail *cellDetail
}

// detailLoader returns what reads the lists of the views of the list of
// cells kept for inputs: kept with it, or, if they are not (another
// program changed the home since, or keeping them failed), those of the
// cells as they are when first asked for, worked out again.
func (s *Service) detailLoader(inputs []byte) func() map[crdt.CellID]*cellDetail {
	return func() map[crdt.CellID]*cellDetail {
		s.mu.Lock()
		defer s.mu.Unlock()
		var kept []keptDetail
		var now []byte
		err := s.db.View(func(tx *store.Tx) error {
			b := readStart(tx, startDetail, inputs, time.Time{})
			if b != nil && keptDec.Unmarshal(b, &kept) == nil {
				return nil
			}
			kept = nil
			var err error
			now, _, err = s.cellsInputs(tx)
			return err
		})
		out := map[crdt.CellID]*cellDetail{}
		if err != nil {
			return out
		}
		for _, k := range kept {
			out[k.ID] = k.Detail
		}
		if now == nil {
			return out
		}
		views, err := s.computeCells(now)
		if err != nil {
			return out
		}
		for _, v := range views {
			out[v.ID] = v.detail
		}
		return out
	}
}

// stateLoader returns what reads the state of the cell id, for a view
// made without it; the state as the cell is when first asked for, or nil.
func (s *Service) stateLoader(id crdt.CellID) func() *crdt.State {
	return func() *crdt.State {
		s.mu.Lock()
		defer s.mu.Unlock()
		c, _, err := s.loadCell(id)
		if err != nil {
			return nil
		}
		return c.State()
	}
}

// keepCells keeps the list of cells views for inputs, and apart what
// they list (startDetail), both in one transaction: a list is never
// kept without its detail, and the home's inputs are read once.
func (s *Service) keepCells(inputs []byte, views []*CellView) {
	detail := make([]keptDetail, len(views))
	for i, v := range views {
		detail[i] = keptDetail{ID: v.ID, Detail: v.details()}
	}
	var recs []keptRecordOf
	if b, err := cborEnc.Marshal(detail); err == nil {
		recs = append(recs, keptRecordOf{startDetail, b})
	}
	if b, err := cborEnc.Marshal(views); err == nil {
		recs = append(recs, keptRecordOf{startCells, b})
	}
	s.keepStarts(inputs, s.cellsInputs, 0, 0, recs...)
	s.keepLookalikeKeys()
}

// dayOf returns the start of t's day (UTC): the reputation's Now
// (reputation/MODEL.md, section 9).
func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// keepWindow is the time, in Unix nanoseconds, from which (inclusive)
// until which (exclusive) a reputation computed at now reads the same
// ratings and the same day: the day of now (see madeBy).
type keepWindow struct{ from, until int64 }

func newKeepWindow(now time.Time) keepWindow {
	day := dayOf(now)
	return keepWindow{from: day.UnixNano(), until: day.Add(24 * time.Hour).UnixNano()}
}

// keptReputation returns the reputation kept for inputs at now, or nil;
// full computes it whole when something not kept is asked for.
func keptReputation(tx *store.Tx, inputs []byte, now time.Time, full func() *reputation.Result) *reputation.Result {
	b := readStart(tx, startReputation(now), inputs, now)
	if b == nil {
		return nil
	}
	k, err := reputation.DecodeKept(b)
	if err != nil {
		return nil
	}
	return reputation.FromKept(k, full)
}

// keepReputation keeps of r, computed for inputs within w, the scores
// of my own contacts, mine and of the first flagged people, as many as the
// People list's first view may read (OwnContactsAndFlagged).
func (s *Service) keepReputation(inputs []byte, own []*Contact, r *reputation.Result, w keepWindow, now time.Time) {
	if w.from >= w.until {
		return
	}
	ids := make([]string, 0, len(own)+1+FlaggedAtStart)
	for _, c := range own {
		ids = append(ids, c.ID().String())
	}
	ids = append(ids, s.me().Card.ID().String()) // OwnContactsAndFlagged asks
	first, _ := r.FlaggedFirstN(len(own) + FlaggedAtStart)
	ids = append(ids, first...)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	b, err := reputation.EncodeKept(r.Keep(ids, len(own)+FlaggedAtStart))
	if err != nil {
		return
	}
	s.keepStart(startReputation(now), inputs, s.startInputs, b, w.from, w.until)
	s.keepLookalikeKeys()
}

// keepStartNow works out and keeps what the next start shows, after an
// import: however much a sync file brought, the start after it reads
// what was kept instead of every cell (the import pays for it once),
// and so does the first start of each of the next daysAhead days (for
// the app's service, in the background: keepAhead). Keeping only spares
// work: a failure is not the import's.
func (s *Service) keepStartNow() {
	_, _ = s.Cells()
	_, _ = s.Reputation()
	if !s.staysOpenNow() {
		s.keepDaysAhead()
	}
}

// keepStartIfChanged works out and keeps what the next start shows if
// the home changed since it was last kept, for a service that does not
// stay open (a command of the command line, run before it closes): a
// command that rated, blocked or changed a cell pays for the start after
// it, as an import does: the list of cells if the kept one is not of the
// home as it is, and the reputation if that, or the one kept for today,
// is not (a block changes only the reputation, which then reads its
// source as kept: see cellsInputs). A home that never kept a start (none
// was made on it yet) is left so. Then, if the service computed today's
// reputation after a change, or as the first start of a day not kept
// when the home was started yesterday (a home started day after day:
// startedYesterday), it
// keeps that of each of the next daysAhead days where it is not kept
// yet (keepDaysAhead), from the source it has just read: the first
// start of any of those days reads what was kept, and does not keep
// ahead in turn (topping up the day a week ahead at each start would
// read and compute once a day again). A home started every day computes
// once in eight; one started every few days computes at each start, as
// before, and pays for nothing it would not read.
func (s *Service) keepStartIfChanged() {
	if s.staysOpenNow() || s.life.Err() != nil {
		return
	}
	cellsStale, repStale := false, false
	s.mu.Lock() // cellsInputs may drop the cells held
	_ = s.db.View(func(tx *store.Tx) error {
		cells, _, err := s.cellsInputs(tx)
		if err != nil {
			return err
		}
		b, err := tx.Get(bucketStart, nil, startCells)
		cellsStale = err == nil && startBody(b, cells, time.Time{}) == nil
		inputs, _, err := s.startInputs(tx)
		if err != nil {
			return err
		}
		b, err = tx.Get(bucketStart, nil, startReputation(s.opt.now()))
		var k keptStart
		repStale = err == nil && unmarshalKeptStart(b, &k) == nil && !bytes.Equal(k.Inputs, inputs)
		return nil
	})
	s.mu.Unlock()
	if cellsStale {
		_, _ = s.Cells()
	}
	if cellsStale || repStale {
		_, _ = s.Reputation()
	}
	s.mu.Lock()
	computed := s.repComputed
	s.mu.Unlock()
	if computed && (cellsStale || repStale || s.startedYesterday()) {
		s.keepDaysAhead()
	}
}

// startedYesterday reports whether the last start before this service's
// was yesterday's. It tells a home started day after day, where keeping
// the next days ahead spares the starts of a week, from one started
// every few days, where it would cost seven days' computing for a start
// that reads one of them, if any. What is kept for yesterday does not
// tell them apart: a start that kept the week ahead kept yesterday's
// too, a week later, whether or not anyone started the home since
// (a home started every eight days kept the week ahead at each start,
// 57 % of the processor time of such a start at 100,000 statements).
func (s *Service) startedYesterday() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.startNoted && s.prevStart == dayNumber(s.opt.now())-1
}

// dayNumber is the number of t's day (UTC) since 1970.
func dayNumber(t time.Time) int64 { return dayOf(t).Unix() / (24 * 60 * 60) }

// startedDay returns the day number startStarted keeps, or −1.
func startedDay(tx *store.Tx) int64 {
	b, err := tx.Get(bucketStart, nil, startStarted)
	if err != nil {
		return -1
	}
	day, k := binary.Varint(b)
	if k <= 0 || k != len(b) {
		return -1
	}
	return day
}

// noteStarted remembers, the first time the service asks for the
// reputation, the day of the start before (started, as startedDay read
// it), and, with note, notes now's day as the last start's if it is not
// that yet. Only the start after the day noted may read the note, to
// decide whether to keep the week ahead, and only a start that computes
// does: one after a start that computed, or after the last day kept
// ahead. So only those two note their day (Reputation): a home started
// every day writes the note twice in eight days, not at every first
// start of a day (a write costs a start that reads what was kept about
// a fifth more). The caller holds s.mu.
func (s *Service) noteStarted(now time.Time, started int64, note bool) {
	if !s.startNoted {
		s.startNoted, s.prevStart = true, started
	}
	if today := dayNumber(now); note && started != today {
		_ = s.db.Update(func(tx *store.Tx) error {
			return tx.Put(bucketStart, nil, startStarted, binary.AppendVarint(nil, today))
		})
	}
}

// keepAhead works out in the background, for a service that stays open
// (see [Service.Prepare]), what the first start of each of the next
// days shows as the home is now, unless it is kept already: the list of
// cells and the reputation of each of the daysAhead days after today.
// Such a start then reads them instead of computing, if nothing changes
// before. One at a time; it stops when the service closes.
func (s *Service) keepAhead() {
	s.bgMu.Lock()
	if s.closing || !s.staysOpen || s.aheadBusy {
		s.bgMu.Unlock()
		return
	}
	s.aheadBusy = true
	s.bg.Add(1)
	s.bgMu.Unlock()
	go func() {
		defer func() {
			s.bgMu.Lock()
			s.aheadBusy = false
			s.bgMu.Unlock()
			s.bg.Done()
		}()
		if s.life.Err() == nil {
			_, _ = s.Cells() // kept if it was not
		}
		s.keepDaysAhead()
	}()
}

// keepDaysAhead keeps the reputation of each of the daysAhead days after
// today's, as the home is now, unless it is kept already or today's is
// not (nothing asked for the reputation today, or keeping it failed):
// from one reading of what the reputation is computed from
// (startinput.go; the one the service last read, if it is of the home
// as it is), each day computed as a start of that day computes it
// (the day's Now and madeBy, who is blocked now), the week in one pass
// that reads the people, cells and ratings once (Source.ComputeDays). Nothing but the day
// changes a reputation kept under the same inputs (startInputs), so a
// start of any of those days shows what computing on that day shows,
// and a start within a week of one that computed reads instead of
// computing.
func (s *Service) keepDaysAhead() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.life.Err() != nil {
		return
	}
	now := s.opt.now()
	today := dayOf(now)
	var inputs, srcInputs []byte
	var own, contacts []*Contact
	var days []time.Time
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		if inputs, own, err = s.startInputs(tx); err != nil {
			return err
		}
		if srcInputs, contacts, err = s.cellsInputs(tx); err != nil {
			return err
		}
		if !keptAt(tx, startReputation(now), inputs, now) {
			return nil
		}
		for d := 1; d <= daysAhead; d++ {
			day := today.AddDate(0, 0, d)
			if !keptAt(tx, startReputation(day), inputs, day) {
				days = append(days, day)
			}
		}
		return nil
	})
	if err != nil || len(days) == 0 {
		return
	}
	defer func() { s.lastSource, s.lastSourceInputs = nil, nil }() // not held longer than its use
	src, blocked := s.lastSource, blockedOf(contacts)
	if src == nil || !bytes.Equal(s.lastSourceInputs, srcInputs) {
		if src, blocked, err = s.reputationSource(); err != nil {
			return
		}
	}
	made := make([]time.Time, len(days))
	for i, day := range days {
		made[i] = madeBy(day)
	}
	if s.life.Err() != nil {
		return
	}
	// Each day's Result is valid until the next is computed: kept before.
	src.ComputeDays(days, made, blocked, func(i int, r *reputation.Result) bool {
		s.keepReputation(inputs, own, r, newKeepWindow(days[i]), days[i])
		return s.life.Err() == nil
	})
}

// cellState returns the state v was made from: the one it holds, or the
// one its cell has when first asked for (a view of the kept list of
// cells, which is made from the same states).
func (v *CellView) cellState() *crdt.State {
	if v.state != nil {
		return v.state
	}
	if v.load != nil {
		return v.load()
	}
	return nil
}

// alikeBody is the body of the startAlike record: Keys[i] is the
// look-alike key of Names[i].
type alikeBody struct {
	Names []string `cbor:"1,keyasint"`
	Keys  []string `cbor:"2,keyasint"`
}

// learnKeptLookalikeKeys reads, once per service, the look-alike keys a
// home kept, so that naming everyone does not compute them again. The
// record is keyed by the code like the others (the keys depend on the
// Unicode tables of the modules built in).
func (s *Service) learnKeptLookalikeKeys(tx *store.Tx) {
	s.namesMu.Lock()
	done := s.alikeLearnt
	s.alikeLearnt = true
	s.namesMu.Unlock()
	if done {
		return
	}
	b := readStart(tx, startAlike, startAlike, time.Time{})
	var body alikeBody
	if b == nil || keptDec.Unmarshal(b, &body) != nil || len(body.Names) != len(body.Keys) {
		return
	}
	learnLookalikeKeys(body.Names, body.Keys)
}

// keepLookalikeKeys keeps the look-alike keys of names that are not
// ASCII, if any was computed since they were last kept.
func (s *Service) keepLookalikeKeys() {
	names, keys := freshLookalikeKeys()
	if names == nil {
		return
	}
	if b, err := cborEnc.Marshal(alikeBody{Names: names, Keys: keys}); err == nil {
		s.keepStart(startAlike, startAlike, nil, b, 0, 0)
	}
}

// keptDec decodes records this device kept: large arrays allowed.
var keptDec = func() cbor.DecMode {
	dm, err := cbor.DecOptions{MaxArrayElements: 1 << 24, MaxMapPairs: 1 << 24, MaxNestedLevels: 16}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()
