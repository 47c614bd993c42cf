package crdt

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/debug"
	"slices"

	"github.com/automerge/automerge-go"
)

// The worker that stays (SCHEMA.md §6, "A worker for the session").
//
// Loading a large cell's document takes the worker most of its time, and
// listing its statement map the rest, whatever the bytes from outside
// bring. So a Checker keeps one worker for the session: it answers
// requests one after another and keeps the documents it loaded, by cell
// (at most maxHeld). Changes for a document it holds at the heads the
// request names are applied to it in place, and only the statements
// under the keys the changes touch are read back (see opkeys.go): a
// check then costs what the changes bring. A crash still takes only the
// worker down; the next request starts a new one, which holds nothing.

const (
	// sessionMagic opens the standard input of a worker for the session.
	sessionMagic = "TDCS1"
	// heldMagic opens a request to apply changes to a held document.
	heldMagic = "TDCK3"
	// flagPartial lets a worker for the session load the base, hold it
	// and answer as to a held request when it can vouch for the input.
	flagPartial = 4
	// flagHold asks a worker for the session to load the base alone and
	// hold it (see [Checker.Prepare]); the request has no input.
	flagHold = 8
	// maxHeld is how many documents a worker for the session keeps.
	maxHeld = 4
)

// serveSession answers the requests of a worker for the session, each a
// length-prefixed frame, until its standard input closes.
func serveSession(in *bufio.Reader, out io.Writer, before func()) {
	w := bufio.NewWriterSize(out, 64<<10)
	docs := map[CellID]*automerge.Doc{}
	for {
		n, err := binary.ReadUvarint(in)
		if err != nil || n > 3*MaxDocumentSize {
			return
		}
		frame := make([]byte, n)
		if _, err := io.ReadFull(in, frame); err != nil {
			return
		}
		if before != nil {
			before()
		}
		res, err := serveFrame(frame, docs)
		if err != nil {
			res = &workerResult{Error: err.Error()}
		}
		w.Write(binary.AppendUvarint(nil, uint64(res.size())))
		if res.writeTo(w) != nil {
			return
		}
	}
}

// serveFrame answers one request of a session: a whole check (whose
// document is then held) or changes for a held document.
func serveFrame(frame []byte, docs map[CellID]*automerge.Doc) (*workerResult, error) {
	if bytes.HasPrefix(frame, []byte(heldMagic)) {
		return applyHeld(frame, docs)
	}
	req, err := parseRequest(frame)
	if err != nil {
		return nil, err
	}
	if req.hold {
		return holdBase(req, docs)
	}
	if res := loadThenApply(req, docs); res != nil {
		return res, nil
	}
	res, doc, err := check(req)
	if err != nil {
		return nil, err
	}
	hold(docs, res.Cell, doc)
	return res, nil
}

// hold keeps doc as the document of cell, dropping another if need be.
func hold(docs map[CellID]*automerge.Doc, cell CellID, doc *automerge.Doc) {
	if _, ok := docs[cell]; !ok && len(docs) >= maxHeld {
		for id := range docs {
			delete(docs, id)
			break
		}
	}
	docs[cell] = doc
}

// holdBase performs a request to hold a stored document (flagHold) with
// loadBase. It answers as to a held request that named no key: the cell,
// the heads and the number of entries of the statement map.
func holdBase(req *request, docs map[CellID]*automerge.Doc) (*workerResult, error) {
	if len(req.base) == 0 || len(req.input) != 0 {
		return nil, errors.New("bad request")
	}
	id, err := loadBase(req, docs)
	if err != nil {
		return nil, err
	}
	doc := docs[id]
	return &workerResult{OK: true, Partial: true, Cell: id, Heads: sortedHeads(doc), Len: doc.Path(keyStatements).Map().Len()}, nil
}

// loadBase holds the document of req's base: the one held at req's heads
// already, or else the base loaded alone, whose heads must be req's. It
// returns the cell it is held for.
func loadBase(req *request, docs map[CellID]*automerge.Doc) (CellID, error) {
	for id, doc := range docs {
		if slices.Equal(sortedHeads(doc), req.heads) {
			return id, nil
		}
	}
	doc, err := automerge.Load(req.base)
	if err != nil {
		return CellID{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	id, err := readHeader(doc)
	if err != nil {
		return CellID{}, err
	}
	if !slices.Equal(sortedHeads(doc), req.heads) {
		return CellID{}, fmt.Errorf("%w: the document is not the one recorded", ErrMalformed)
	}
	hold(docs, id, doc)
	return id, nil
}

// loadThenApply performs a whole request that allows it (flagPartial) as
// a held one: it holds the base (see loadBase), then applies the input to
// it as applyHeld does. It returns nil when it cannot; the request is then
// performed whole. Once the input is applied, the request's bytes are let
// go (see heldRequest.release): if it cannot vouch for the result after
// all, it answers "not held", and the parent sends the request again
// without flagPartial.
func loadThenApply(req *request, docs map[CellID]*automerge.Doc) *workerResult {
	if !req.partial || len(req.base) == 0 {
		return nil
	}
	if _, _, ok := simpleChanges(req.input); !ok {
		return nil
	}
	id, err := loadBase(req, docs)
	if err != nil {
		return nil
	}
	released := false
	hr := &heldRequest{cell: id, heads: req.heads, compact: req.compact, input: req.input, release: func() {
		req.base, req.input, req.all, released = nil, nil, nil, true
	}}
	res, err := applyHeldRequest(hr, docs)
	switch {
	case err == nil && res.OK:
		return res
	case released:
		return &workerResult{NotHeld: true}
	}
	return nil // the whole request says what is wrong
}

// heldRequest asks to apply input to the held document of cell, which
// must have heads.
type heldRequest struct {
	cell    CellID
	heads   []ChangeHash
	compact bool
	input   []byte
	// release, if not nil, drops every other reference to the bytes of
	// input: once applied, they are let go before the document is saved
	// and its statements listed, which need much memory.
	release func()
}

// largeInput is the size of an input whose bytes the worker gives back
// to the system once it is applied (see applyHeldRequest).
const largeInput = 4 << 20

func (r *heldRequest) encode() []byte {
	b := make([]byte, 0, len(heldMagic)+1+len(r.cell)+binary.MaxVarintLen64+32*len(r.heads)+len(r.input))
	b = append(b, heldMagic...)
	var flags byte
	if r.compact {
		flags |= flagCompact
	}
	b = append(b, flags)
	b = append(b, r.cell[:]...)
	b = binary.AppendUvarint(b, uint64(len(r.heads)))
	for _, h := range r.heads {
		b = append(b, h[:]...)
	}
	return append(b, r.input...)
}

func parseHeldRequest(b []byte) (*heldRequest, error) {
	b = b[len(heldMagic):]
	if len(b) < 1+len(CellID{}) || b[0]&^flagCompact != 0 {
		return nil, errors.New("bad request")
	}
	r := &heldRequest{compact: b[0]&flagCompact != 0, cell: CellID(b[1 : 1+len(CellID{})])}
	var err error
	r.heads, r.input, err = readHeads(b[1+len(CellID{}):])
	return r, err
}

// applyHeld applies the changes of a held request to the document held
// for its cell. It answers "not held" (the parent then sends a whole
// request) when it holds no document at those heads or cannot vouch
// for the keys the changes touch.
func applyHeld(frame []byte, docs map[CellID]*automerge.Doc) (*workerResult, error) {
	req, err := parseHeldRequest(frame)
	if err != nil {
		return nil, err
	}
	return applyHeldRequest(req, docs)
}

func applyHeldRequest(req *heldRequest, docs map[CellID]*automerge.Doc) (*workerResult, error) {
	notHeld := &workerResult{NotHeld: true}
	doc := docs[req.cell]
	if doc == nil || !slices.Equal(sortedHeads(doc), req.heads) {
		return notHeld, nil
	}
	keys, hashes, ok := simpleChanges(req.input)
	if !ok {
		return notHeld, nil
	}
	m, _ := statementsOf(doc) // not a map: holds none of the keys
	before, had := 0, 0
	if m != nil {
		before = m.Len()
		for _, k := range keys {
			if v, err := m.Get(k); err == nil && !v.IsVoid() {
				had++
			}
		}
	}
	// From here the document changes: it is held again only if all went
	// as it must.
	delete(docs, req.cell)
	if err := doc.LoadIncremental(req.input); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	// The input is in the document now. A large one's bytes go back to
	// the system, where saving the document and listing its statements
	// find them (the peak of a 100,000-statement file: 412 MiB instead
	// of 447).
	large := len(req.input) >= largeInput
	if req.input = nil; req.release != nil {
		req.release()
	}
	if large {
		debug.FreeOSMemory()
	}
	for _, h := range hashes {
		if _, err := doc.Change(automerge.ChangeHash(h)); err != nil {
			// A change not taken in (a dependency missing, a chunk
			// Automerge did not read to its end): a whole load decides.
			return notHeld, nil
		}
	}
	id, err := readHeader(doc)
	if err != nil {
		return nil, err
	}
	if id != req.cell {
		return nil, fmt.Errorf("%w: the changes replace the cell's header", ErrWrongCell)
	}
	res := &workerResult{OK: true, Partial: true, Cell: id, Heads: sortedHeads(doc)}
	if req.compact {
		// Saved before the statements are listed: saving needs much
		// memory for a while, and the statements read would add to it.
		res.Doc = doc.Save()
	}
	if m, err = statementsOf(doc); err != nil {
		return nil, err
	}
	has := 0
	for _, k := range keys {
		var v *automerge.Value
		if m != nil {
			v, err = m.Get(k)
		}
		switch {
		case err != nil:
			return nil, fmt.Errorf("%w: statements: %v", ErrMalformed, err)
		case v == nil || v.IsVoid():
			res.Entries = append(res.Entries, snapshotEntry{Key: k, absent: true})
		case v.Kind() == automerge.KindBytes:
			res.Entries = append(res.Entries, snapshotEntry{Key: k, Raw: v.Bytes()})
			has++
		default:
			res.Entries = append(res.Entries, snapshotEntry{Key: k, NotBytes: true})
			has++
		}
	}
	if m != nil {
		res.Len = m.Len()
	}
	if res.Len-before != has-had {
		return notHeld, nil // a key changed that the changes do not name
	}
	hold(docs, req.cell, doc)
	return res, nil
}

// statementsOf returns the statement map of doc, read once (a map read
// through its path is looked up again at every read: three results of
// Automerge's, each held until Go's garbage collector runs), or nil if
// the document has none.
func statementsOf(doc *automerge.Doc) (*automerge.Map, error) {
	v, err := doc.Path(keyStatements).Get()
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: statements: %v", ErrMalformed, err)
	case v.IsVoid():
		return nil, nil
	case v.Kind() != automerge.KindMap:
		return nil, fmt.Errorf("%w: statements are not a map", ErrMalformed)
	}
	return v.Map(), nil
}

// simpleChanges returns the map keys that the change chunks of b touch
// and the hashes of the heads of the changes (a document that holds them
// holds every change of b: see [chunkHeads]), if every chunk is an
// uncompressed change with dependencies whose keys [chunkKeys] can vouch
// for.
func simpleChanges(b []byte) (keys []string, heads []ChangeHash, ok bool) {
	if keys, ok = chunkKeys(b); !ok {
		return nil, nil, false
	}
	chunks, _ := changeChunks(b)
	for _, c := range chunks {
		if c.compressed {
			return nil, nil, false
		}
		if deps, _ := c.deps(); deps == 0 {
			return nil, nil, false // a root: a whole load decides (singleHistory)
		}
	}
	if heads, _, ok = chunkHeads(chunks); !ok {
		return nil, nil, false
	}
	return keys, heads, true
}

// A session is a worker for the session, started by a [Checker].
type session struct {
	p   *process
	out *os.File // the read end of the worker's standard output
	r   *bufio.Reader
}

func (ch *Checker) startSession() (*session, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p, err := ch.start(pw)
	pw.Close()
	if err != nil {
		pr.Close()
		return nil, err
	}
	s := &session{p: p, out: pr, r: bufio.NewReaderSize(pr, 64<<10)}
	if _, err := p.stdin.Write([]byte(sessionMagic)); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// stop ends the worker and waits for it.
func (s *session) stop() {
	s.p.stdin.Close()
	s.p.cmd.Process.Kill()
	<-s.p.exited
	s.out.Close()
}

// ask sends one request and returns the answer. On any error the worker
// is gone: the caller drops the session.
func (s *session) ask(ctx context.Context, frame []byte) (*workerResult, error) {
	type answer struct {
		b   []byte
		err error
	}
	got := make(chan answer, 1)
	go func() {
		if _, err := s.p.stdin.Write(binary.AppendUvarint(nil, uint64(len(frame)))); err != nil {
			got <- answer{nil, err}
			return
		}
		if _, err := s.p.stdin.Write(frame); err != nil {
			got <- answer{nil, err}
			return
		}
		n, err := binary.ReadUvarint(s.r)
		if err != nil {
			got <- answer{nil, err}
			return
		}
		if n > maxResultOutput {
			got <- answer{nil, errAnswer}
			return
		}
		b := make([]byte, n)
		_, err = io.ReadFull(s.r, b)
		got <- answer{b, err}
	}()
	var a answer
	select {
	case a = <-got:
	case <-ctx.Done():
		s.stop()
		return nil, fmt.Errorf("check cell data: %w: %v", ErrCouldNotCheck, context.Cause(ctx))
	}
	if a.err != nil {
		if errors.Is(a.err, errAnswer) {
			s.stop()
			return nil, fmt.Errorf("check cell data: %w: unreadable answer from the checker", ErrCouldNotCheck)
		}
		// The worker died (or closed its output, which it does only by
		// dying): wait for it, within the time left, and say why.
		select {
		case <-s.p.exited:
		case <-ctx.Done():
		}
		s.stop()
		if s.p.err == nil {
			return nil, fmt.Errorf("check cell data: %w: the checker stopped", ErrCouldNotCheck)
		}
		return nil, s.p.failure()
	}
	res, err := decodeResult(a.b)
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("check cell data: %w: unreadable answer from the checker", ErrCouldNotCheck)
	}
	if !res.OK && res.Error == ErrMissingPast.Error() {
		return nil, fmt.Errorf("check cell data: %w", ErrMissingPast)
	}
	if !res.OK && !res.NotHeld {
		return nil, fmt.Errorf("check cell data: %w: %s", ErrDamaged, res.Error)
	}
	return res, nil
}

// inSession has the Checker's worker for the session answer frame,
// starting one if none is running.
func (ch *Checker) inSession(ctx context.Context, frame []byte) (*workerResult, error) {
	ch.asked.Add(1)
	ch.sessMu.Lock()
	defer ch.sessMu.Unlock()
	return ch.askLocked(ctx, frame)
}

// askLocked is inSession for a caller that holds ch.sessMu.
func (ch *Checker) askLocked(ctx context.Context, frame []byte) (*workerResult, error) {
	if err := ch.ensureSession(); err != nil {
		return nil, fmt.Errorf("check cell data: %w: %v", ErrCouldNotCheck, err)
	}
	timeout := ch.Timeout
	if timeout <= 0 {
		timeout = DefaultCheckTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := ch.sess.ask(ctx, frame)
	if err != nil && !errors.Is(err, ErrDamaged) || ch.sess.p.done() {
		ch.sess = nil // gone: the next request starts another
	}
	return res, err
}

// Prepare gets the worker for the session ready for changes to the
// largest of cells, as many as it keeps (SCHEMA.md §6, "Preparing"),
// largest first: each such cell reads its statements back if it rests,
// as the first check of changes for it would, and the worker loads and
// holds its stored document. The first check of changes for a prepared
// cell then costs what the changes bring. Cells whose changes are never
// applied to a held document (see [Checker.Extend]) are passed over.
//
// Prepare changes nothing stored, and yields: it asks the worker for
// one document at a time and stops, without an error, as soon as a check
// is asked of the Checker or [Checker.Warm] is called (so a check waits
// at most for the one load under way), or when ctx is done (which stops
// the worker if a load is under way). It returns how many documents it
// had the worker hold, and an error only if something failed: reading a
// cell back, or the worker's load of a stored document.
func (ch *Checker) Prepare(ctx context.Context, cells []*Cell) (int, error) {
	asked := ch.asked.Load()
	held := 0
	for _, c := range largest(cells, maxHeld) {
		if ctx.Err() != nil || ch.asked.Load() != asked {
			break
		}
		ok, err := ch.prepareCell(ctx, c, asked)
		if ctx.Err() != nil {
			break // closed: whatever failed, it was cut short
		}
		if err != nil {
			return held, err
		}
		if ok {
			held++
		}
	}
	return held, nil
}

// largest returns the n cells with the most statements, largest first,
// among those whose changes are applied to a held document.
func largest(cells []*Cell, n int) []*Cell {
	type sized struct {
		c    *Cell
		size int
	}
	var out []sized
	for _, c := range cells {
		c.mu.Lock()
		ok, size := c.holdable(), c.size()
		c.mu.Unlock()
		if ok {
			out = append(out, sized{c, size})
		}
	}
	slices.SortStableFunc(out, func(a, b sized) int { return b.size - a.size })
	cs := make([]*Cell, 0, n)
	for _, s := range out[:min(n, len(out))] {
		cs = append(cs, s.c)
	}
	return cs
}

// prepareCell has c read its statements back, if it rests, and the
// worker hold its stored document. It reports false if a check came
// first or c no longer qualifies.
func (ch *Checker) prepareCell(ctx context.Context, c *Cell, asked int64) (bool, error) {
	base, heads, n, err := c.readBack()
	if err != nil || base == nil {
		return false, err
	}
	ch.sessMu.Lock()
	defer ch.sessMu.Unlock()
	if ch.asked.Load() != asked {
		return false, nil // a check came meanwhile: it goes first
	}
	res, err := ch.askLocked(ctx, (&request{base: base, heads: heads, hold: true}).encode())
	if err != nil {
		return false, err
	}
	if !res.OK || !res.Partial || res.Cell != c.id || !slices.Equal(res.Heads, heads) || res.Len != n {
		return false, fmt.Errorf("prepare cell: %w: the checker holds another document", ErrCouldNotCheck)
	}
	return true, nil
}

// readBack returns c's stored document, its heads and its number of
// statements, having read its statements back if c rests; or a nil
// document if c does not qualify for a held document (see holdable). The
// store is read without holding c.mu, so that c's readers do not wait.
func (c *Cell) readBack() ([]byte, []ChangeHash, int, error) {
	c.mu.Lock()
	if !c.holdable() {
		c.mu.Unlock()
		return nil, nil, 0, nil
	}
	if c.saved != nil {
		defer c.mu.Unlock()
		if err := c.warm(); err != nil {
			return nil, nil, 0, err
		}
		return c.saved, c.heads(), len(c.entries), nil
	}
	if c.reading != nil {
		c.mu.Unlock()
		return nil, nil, 0, nil // another Prepare reads it back
	}
	reload, reading := c.reload, make(chan struct{})
	c.reading = reading
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.reading = nil
		c.mu.Unlock()
		close(reading)
	}()
	s, err := reload()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("load cell: %w", err)
	}
	if err := c.warmFrom(s, parallel); err != nil {
		return nil, nil, 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.holdable() || c.entries == nil {
		return nil, nil, 0, nil // changed meanwhile
	}
	return s.Doc, c.heads(), len(c.entries), nil
}

// warmFrom gives c, if it rests, the statements of s, which c.reload
// returned; they are decoded (with spread, see entriesSpread) without
// holding c.mu, so that c's readers do not wait.
func (c *Cell) warmFrom(s *snapshot, spread func(n int, f func(i int))) error {
	c.mu.Lock()
	err, rests := c.isStored(s), c.entries == nil
	c.mu.Unlock()
	if err != nil || !rests {
		return err
	}
	entries := entriesSpread(s, spread)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil && c.isStored(s) == nil {
		c.entries = entries
	}
	return nil
}

// awaitReadBack waits until c is no longer being read back by Prepare.
func (c *Cell) awaitReadBack() {
	c.mu.Lock()
	reading := c.reading
	c.mu.Unlock()
	if reading != nil {
		<-reading
	}
}

// resting reports whether c has dropped its statements (see [Cell.Rest]).
func (c *Cell) resting() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.doc == nil && c.entries == nil
}

// holdable reports whether changes for c go to the worker for the
// session as a held request when they are not a whole document (see
// heldRequest). The caller holds c.mu.
func (c *Cell) holdable() bool {
	return c.doc == nil && c.inStore && !c.docDirty && (c.saved != nil || c.reload != nil)
}

// size is how many statements c holds, from its state if it rests. The
// caller holds c.mu.
func (c *Cell) size() int {
	switch {
	case c.entries != nil:
		return len(c.entries)
	case c.state != nil:
		return c.state.Counted + len(c.state.Invalid)
	}
	return 0
}

// ensureSession starts the worker for the session unless one is running;
// one that died while waiting (not the fault of any input) is replaced.
// The caller holds ch.sessMu.
func (ch *Checker) ensureSession() error {
	if ch.sess != nil && !ch.sess.p.done() {
		return nil
	}
	if ch.sess != nil {
		ch.sess.stop()
	}
	s, err := ch.startSession()
	ch.sess = s
	return err
}

// closeSession ends the worker for the session, if one runs.
func (ch *Checker) closeSession() {
	ch.sessMu.Lock()
	defer ch.sessMu.Unlock()
	if ch.sess != nil {
		ch.sess.stop()
		ch.sess = nil
	}
}

// heldRequest returns the request to apply input to c's document held by
// the worker for the session, or nil if c's storage needs its document's
// bytes (see [Checker.Extend]).
func (c *Cell) heldRequest(input []byte) *heldRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	if IsDocument(input) || !c.holdable() {
		return nil
	}
	return &heldRequest{cell: c.id, heads: c.heads(), input: input, compact: c.appended >= maxAppended}
}

// cellFromHeld builds the cell the worker for the session saw after it
// applied input to base's document: base's statements with those under
// the keys the changes touched replaced. It returns nil (and the caller
// checks all of it) if the worker's count of statements is not this
// cell's, or if the changes delete or alter a statement base holds
// (putting it back needs the document).
func cellFromHeld(base *Cell, res *workerResult, pre map[StatementID]*prechecked, input []byte, compact bool) (*Cell, error) {
	if res.Cell != base.ID() {
		return nil, fmt.Errorf("check cell data: %w", ErrWrongCell)
	}
	c := newCell(nil, res.Cell)
	if pre != nil {
		c.preKeys = map[StatementID]ed25519.PublicKey{}
	}
	c.savedHeads = res.Heads
	base.mu.Lock()
	if err := base.warm(); err != nil {
		base.mu.Unlock()
		return nil, err
	}
	c.entries = shareSettled(c.id, base.entries)
	c.inherit(base)
	baseSaved, baseReload, baseHeads, appended := base.saved, base.reload, base.heads(), base.appended
	last := base.state // derived from the entries copied, if not nil
	base.mu.Unlock()
	var added []*entry // new keys only, or nil if anything else changed
	for _, se := range res.Entries {
		old := c.entries[se.Key]
		if old != nil && !se.absent && old.sameValue(se) {
			continue
		}
		if old != nil {
			if old.decode(); old.keyOK && old.stmt.Cell == c.id {
				return nil, nil // a statement held goes away: see cellFrom
			}
			last = nil
		}
		if se.absent {
			if old != nil {
				delete(c.entries, se.Key)
				c.removed(se.Key)
			}
			continue
		}
		c.changed(se.Key)
		e := reuseChecked(se, pre, c.preKeys)
		if e == nil {
			se.Raw = bytes.Clone(se.Raw)
			e = se.entry(false)
		}
		c.entries[se.Key] = e
		added = append(added, e)
	}
	if len(c.entries) != res.Len {
		return nil, nil
	}
	switch {
	case compact:
		if res.Doc == nil {
			return nil, nil
		}
		c.saved, c.docDirty = res.Doc, true
	case baseSaved != nil:
		c.saved, c.appended = append(slices.Clip(baseSaved), input...), appended+1
		c.newChunks = append(c.newChunks, slices.Clone(input))
	default:
		c.appended = appended + 1
		c.newChunks = append(c.newChunks, slices.Clone(input))
		c.reload = extendedReload(baseReload, baseHeads, res.Heads, slices.Clone(input))
	}
	if !c.appendedTo(last, added) {
		if err := c.checkWork(); err != nil {
			return nil, fmt.Errorf("check cell data: %w", err)
		}
	}
	return c, nil
}

// appendedTo gives c its state from last, the state of c's statements
// but added, when [appendRatings] can vouch for it (then within the work
// limit too: it costs what is added), and reports whether it did.
func (c *Cell) appendedTo(last *State, added []*entry) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.decodeAll()
	if last == nil {
		return false
	}
	st, ok := appendRatings(last, c.entries, added, c.verifier(), false)
	if ok {
		c.state, c.preKeys = st, nil
	}
	return ok
}

// extendedReload returns how a cell made from a stored base and input
// fetches its document until it is stored itself: base's, followed by
// input, with the entries added (if any) after base's.
func extendedReload(reload func() (*snapshot, error), baseHeads, heads []ChangeHash, input []byte, added ...snapshotEntry) func() (*snapshot, error) {
	return func() (*snapshot, error) {
		s, err := reload()
		if err != nil {
			return nil, err
		}
		if len(s.Heads) != len(baseHeads) {
			return nil, ErrStoreMoved
		}
		for i, h := range s.Heads {
			if !bytes.Equal(h, baseHeads[i][:]) {
				return nil, ErrStoreMoved
			}
		}
		out := *s
		out.Doc = append(slices.Clip(s.Doc), input...)
		if len(added) > 0 {
			out.Entries = append(slices.Clip(s.Entries), added...)
		}
		out.Heads = nil
		for _, h := range heads {
			out.Heads = append(out.Heads, h[:])
		}
		return &out, nil
	}
}

// shareSettled returns a copy of entries that shares the entries nothing
// will change any more (decoded, and their signature checked or never to
// be checked) and copies the others, so that two cells can hold it.
func shareSettled(cell CellID, entries map[string]*entry) map[string]*entry {
	out := maps.Clone(entries)
	for k, e := range out {
		if !e.decoded || e.sig == 0 && e.keyOK && e.stmt.Cell == cell {
			cp := *e
			out[k] = &cp
		}
	}
	return out
}
