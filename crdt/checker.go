package crdt

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/automerge/automerge-go"
)

// The parent's side of the checking worker (see worker.go): starting
// workers, asking them, and building cells from their answers.

// A Checker checks Automerge bytes from outside in a child process before
// the main process touches them. The zero value uses the running
// executable, [DefaultCheckTimeout] and [DefaultCheckMemory].
type Checker struct {
	// Exe is the executable to run as the worker; empty means the running
	// one (os.Executable). It must call IsWorker and ServeWorker.
	Exe string
	// Args are extra arguments for the worker (after the program name).
	Args []string
	// Env is added to the worker's environment, which otherwise is the
	// parent's without the variables whose names start with TRUSTDESK_.
	Env []string
	// Timeout is how long the worker may run; zero means
	// DefaultCheckTimeout.
	Timeout time.Duration
	// MemoryLimit is the worker's data size limit in bytes; zero means
	// DefaultCheckMemory.
	MemoryLimit int64

	warming sync.WaitGroup // Warm's starts under way
	sessMu  sync.Mutex
	sess    *session // the worker for the session (see session.go), if running
	// asked counts the checks asked and the calls of Warm (an import on
	// its way): Prepare yields to them.
	asked atomic.Int64

	partials atomic.Int64 // checks answered from a held document (for tests)
}

// CheckResult describes the cell that checked bytes make.
type CheckResult struct {
	// Cell is the id of the resulting cell.
	Cell CellID
	// Heads are the resulting document's heads.
	Heads []ChangeHash
	// Statements is the number of entries in the statement map.
	Statements int
	// Counted is the number of statements that count (State.Counted).
	Counted int
	// Invalid is the number of statements that do not count.
	Invalid int
	// Digest is [State.Digest] of the resulting state.
	Digest [32]byte
}

// CheckDocument checks that untrusted is a cell document that loads, and
// (when base, a trusted document of this device, is not empty) merges into
// base, and describes the result. It returns [ErrTooLarge] for oversized
// input, [ErrDamaged] if the bytes crashed the worker or are not a cell
// document, and [ErrCouldNotCheck] if the worker could not run to the end.
func (ch *Checker) CheckDocument(ctx context.Context, base, untrusted []byte) (*CheckResult, error) {
	return ch.checkBytes(ctx, base, untrusted)
}

// CheckChanges is like [Checker.CheckDocument] for a change chunk made by
// [Cell.ChangesSince], applied to base. With an empty base the chunk must
// hold a whole cell's changes.
func (ch *Checker) CheckChanges(ctx context.Context, base, chunk []byte) (*CheckResult, error) {
	return ch.checkBytes(ctx, base, chunk)
}

func (ch *Checker) checkBytes(ctx context.Context, base, input []byte) (*CheckResult, error) {
	req := &request{base: base, input: input}
	var b *Cell
	if len(base) > 0 {
		var err error
		if b, err = Load(base); err != nil {
			return nil, err
		}
		req.heads = b.Heads()
	}
	res, err := ch.run(ctx, req)
	if err != nil {
		return nil, err
	}
	c, err := cellFrom(b, req.joined(), res, nil)
	if err != nil {
		return nil, err
	}
	if err := c.checkWork(); err != nil {
		return nil, fmt.Errorf("check cell data: %w", err)
	}
	return c.result(), nil
}

// LoadUntrusted checks doc (a cell document or a chunk of all of a cell's
// changes from outside) in the worker and, if it is accepted, returns the
// cell it holds. A chunk of changes that all build on others (the rest of
// a cell, not all of it) is refused with [ErrMissingPast].
func (ch *Checker) LoadUntrusted(ctx context.Context, doc []byte) (*Cell, *CheckResult, error) {
	if roots, ok := chunkRoots(doc); ok && roots == 0 {
		// Changes that all build on others: the rest of a cell this
		// device does not hold.
		return nil, nil, fmt.Errorf("check cell data: %w", ErrMissingPast)
	}
	res, err := ch.run(ctx, &request{input: doc})
	if err != nil {
		return nil, nil, err
	}
	c, err := cellFrom(nil, slices.Clone(doc), res, nil)
	if err != nil {
		return nil, nil, err
	}
	if err := c.checkWork(); err != nil {
		return nil, nil, fmt.Errorf("check cell data: %w", err)
	}
	return c, c.result(), nil
}

// Extend checks input (a change chunk or a whole cell document from
// outside) in the worker against base's current document and, if it is
// accepted, returns a new cell holding base and input together. Base is
// not changed. The new cell reuses base's decoded statements and checks;
// it checks the signatures of new statements when its state is first
// derived. A change chunk that builds on changes base does not hold is
// refused with [ErrMissingPast].
func (ch *Checker) Extend(ctx context.Context, base *Cell, input []byte) (*Cell, error) {
	if len(input) > MaxDocumentSize {
		return nil, fmt.Errorf("check cell data: %w", ErrTooLarge)
	}
	if len(input) == 0 {
		return nil, fmt.Errorf("check cell data: %w: empty", ErrDamaged)
	}
	var pre map[StatementID]*prechecked
	base.awaitReadBack() // by Prepare, under way: not read twice
	hr := base.heldRequest(input)
	if hr != nil && !base.resting() {
		// A resting cell's document is hardly ever held: its statements
		// and document are read back at once instead (below).
		res, p, err := ch.ask(ctx, hr.encode(), base, input, true, nil)
		if err != nil {
			return nil, err
		}
		pre = p
		if c, err := ch.fromHeld(base, res, pre, input, hr.compact); err != nil || c != nil {
			return c, err
		}
	}
	req, appended, whole, readBack, err := base.request(input)
	if err != nil {
		return nil, err
	}
	if len(req.base) > MaxDocumentSize {
		return nil, fmt.Errorf("check cell data: %w", ErrTooLarge)
	}
	// The worker may load base (or use the document it holds at base's
	// heads) and apply input to it as to a held document, when base is
	// what storage holds.
	req.partial = hr != nil
	res, p, err := ch.ask(ctx, req.encode(), base, input, pre == nil, readBack)
	if err != nil {
		return nil, err
	}
	if pre == nil {
		pre = p
	}
	if c, err := ch.fromHeld(base, res, pre, input, req.compact); err != nil || c != nil {
		return c, err
	}
	if res.Partial || res.NotHeld {
		// The worker's view and this cell's differ, or the worker could
		// not vouch for the input once applied: check it all.
		req.partial = false
		if res, _, err = ch.ask(ctx, req.encode(), base, input, false, nil); err != nil {
			return nil, err
		}
	}
	if res.Cell != base.ID() {
		return nil, fmt.Errorf("check cell data: %w", ErrWrongCell)
	}
	saved := res.Doc
	if saved == nil {
		saved = req.joined()
	}
	c, err := cellFrom(base, saved, res, pre)
	if err != nil {
		return nil, err
	}
	if res.Doc == nil {
		c.appended = appended
	}
	// Storage keeps the document as the chunks the worker loaded: the
	// input is one more, unless the worker saved it compactly or base was
	// not the chunks stored.
	if res.Doc != nil || whole {
		c.docDirty = true
	} else if c.inStore {
		c.newChunks = append(c.newChunks, slices.Clone(input))
	}
	if err := c.checkWork(); err != nil {
		return nil, fmt.Errorf("check cell data: %w", err)
	}
	return c, nil
}

// fromHeld returns the cell a partial answer describes (see
// cellFromHeld), or nil if res is not one or the cell cannot be made
// from it.
func (ch *Checker) fromHeld(base *Cell, res *workerResult, pre map[StatementID]*prechecked, input []byte, compact bool) (*Cell, error) {
	if !res.Partial {
		return nil, nil
	}
	c, err := cellFromHeld(base, res, pre, input, compact)
	if c != nil {
		ch.partials.Add(1)
	}
	return c, err
}

// ask has the worker for the session answer frame, about input for
// base, and meanwhile calls readBack (if not nil; see request) and looks
// for the statements in input if look.
func (ch *Checker) ask(ctx context.Context, frame []byte, base *Cell, input []byte, look bool, readBack func(freed <-chan struct{})) (*workerResult, map[StatementID]*prechecked, error) {
	type answer struct {
		res *workerResult
		err error
	}
	done := make(chan answer, 1)
	freed := make(chan struct{})
	go func() {
		res, err := ch.inSession(ctx, frame)
		close(freed)
		done <- answer{res, err}
	}()
	var pre map[StatementID]*prechecked
	if readBack != nil {
		readBack(freed) // while the worker runs
	}
	if look {
		pre = base.precheck(input, freed) // while the worker runs
	}
	a := <-done
	if a.err == nil && !a.res.OK && !a.res.NotHeld {
		a.err = fmt.Errorf("check cell data: %w: unreadable answer from the checker", ErrCouldNotCheck)
	}
	return a.res, pre, a.err
}

// ApplyUntrusted checks chunk (changes from outside) in the worker against
// c's current document and, if it is accepted, applies it to c. On any
// error c is unchanged.
func (ch *Checker) ApplyUntrusted(ctx context.Context, c *Cell, chunk []byte) (*CheckResult, error) {
	return ch.extendInPlace(ctx, c, chunk)
}

// MergeUntrusted checks doc (a whole cell document from outside) in the
// worker against c's current document and, if it is accepted, merges it
// into c. On any error c is unchanged.
func (ch *Checker) MergeUntrusted(ctx context.Context, c *Cell, doc []byte) (*CheckResult, error) {
	return ch.extendInPlace(ctx, c, doc)
}

func (ch *Checker) extendInPlace(ctx context.Context, c *Cell, input []byte) (*CheckResult, error) {
	t, err := ch.Extend(ctx, c, input)
	if err != nil {
		return nil, err
	}
	res := t.result()
	c.adopt(t)
	return res, nil
}

// request returns the worker request for adding input to c, how many
// chunks from outside the result's saved bytes will hold if the worker
// does not save it compactly, whether its base is a new save of the
// loaded document rather than the bytes c was read from, and for a
// resting cell what decodes the statements read back with the document,
// to call while the worker runs (leaving it a processor until freed).
func (c *Cell) request(input []byte) (*request, int, bool, func(freed <-chan struct{}), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	appended := c.appended
	whole := c.doc != nil
	if whole {
		appended = 0 // saving the loaded document compacts it
	}
	// A resting cell reads its statements back now, with its document,
	// rather than in a second read when the answer comes.
	var base []byte
	var readBack func(freed <-chan struct{})
	var err error
	if c.doc == nil && c.entries == nil {
		var s *snapshot
		if s, err = c.fetchSnapshot(); err == nil {
			base = s.Doc
			readBack = func(freed <-chan struct{}) {
				// An error shows when the answer needs the statements.
				_ = c.warmFrom(s, func(n int, f func(i int)) { share(n, freed, f) })
			}
		}
	} else {
		base, err = c.docBytes()
	}
	if err != nil {
		return nil, 0, false, nil, err
	}
	req := &request{base: base, heads: c.heads(), input: input}
	// A whole document repeats what base holds; many chunks, or a chunk
	// larger than base (a cell's first file), make loading slow and the
	// stored cell large: in a compact save, 10,000 statements take about
	// half the bytes and load in three quarters of the time. Then the
	// worker saves the result compactly, which costs what the input brings.
	req.compact = IsDocument(input) || appended >= maxAppended || len(input) > len(base)
	return req, appended + 1, whole, readBack, nil
}

// result describes c for a caller of the Checker.
func (c *Cell) result() *CheckResult {
	st := c.State()
	c.mu.Lock()
	defer c.mu.Unlock()
	return &CheckResult{Cell: c.id, Heads: c.heads(), Statements: len(c.entries), Counted: st.Counted, Invalid: len(st.Invalid), Digest: st.Digest()}
}

// A process is a started worker.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr headBuffer
	mem    int64
	// inherited is this process's peak resident size once the worker
	// started: Linux counts it in the worker's own peak (see
	// [memoryExhausted]).
	inherited int64
	exited    chan struct{} // closed when the process has exited
	err       error         // Wait's result, set before exited closes
}

// Warm starts the worker for the session in the background, if none is
// running, so that the next check does not wait for a process to start;
// call it before work that can overlap the start, such as decrypting a
// file. The worker exits when this process does, or on [Checker.Close].
func (ch *Checker) Warm() {
	ch.asked.Add(1)
	ch.warming.Add(1)
	go func() {
		defer ch.warming.Done()
		ch.sessMu.Lock()
		defer ch.sessMu.Unlock()
		ch.ensureSession() // a failure shows at the next check
	}()
}

// Close stops the worker for the session, if one runs.
func (ch *Checker) Close() {
	ch.warming.Wait()
	ch.closeSession()
}

// start starts a worker whose standard output goes to out.
func (ch *Checker) start(out *os.File) (*process, error) {
	exe := ch.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	mem := ch.MemoryLimit
	if mem <= 0 {
		mem = DefaultCheckMemory
	}
	cmd := exec.Command(exe, ch.Args...)
	// The worker gets the parent's environment without trustdesk's own
	// settings (the passphrase among them), then the Checker's additions.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TRUSTDESK_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, ch.Env...)
	cmd.Env = append(cmd.Env, WorkerEnv+"="+workerMode, workerMemoryEnv+"="+strconv.FormatInt(mem, 10), "RUST_BACKTRACE=0")
	p := &process{cmd: cmd, mem: mem, exited: make(chan struct{})}
	p.stderr.max = 64 << 10
	cmd.Stdout, cmd.Stderr = out, &p.stderr
	cmd.WaitDelay = time.Second
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p.inherited = selfPeak()
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// run has the worker check req and returns its answer.
func (ch *Checker) run(ctx context.Context, req *request) (*workerResult, error) {
	if len(req.base) > MaxDocumentSize || len(req.input) > MaxDocumentSize {
		return nil, fmt.Errorf("check cell data: %w", ErrTooLarge)
	}
	if len(req.input) == 0 {
		return nil, fmt.Errorf("check cell data: %w: empty", ErrDamaged)
	}
	res, err := ch.inSession(ctx, req.encode())
	if err != nil {
		return nil, err
	}
	if !res.OK {
		return nil, fmt.Errorf("check cell data: %w: unreadable answer from the checker", ErrCouldNotCheck)
	}
	return res, nil
}

// failure says why a worker that exited with an error failed. The
// process has exited.
func (p *process) failure() error {
	var ee *exec.ExitError
	if !errors.As(p.err, &ee) {
		return fmt.Errorf("check cell data: %w: %v", ErrCouldNotCheck, p.err)
	}
	switch whyDied(p.stderr.String(), p.cmd.ProcessState, p.mem, p.inherited) {
	case outOfMemory:
		return fmt.Errorf("check cell data: %w: memory limit reached", ErrCouldNotCheck)
	case unknownDeath:
		return fmt.Errorf("check cell data: %w: the checker stopped (%v)", ErrCouldNotCheck, ee)
	}
	return fmt.Errorf("check cell data: %w: the data crashed the checker (%v)", ErrDamaged, ee)
}

// done reports whether the process has exited.
func (p *process) done() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// cellFrom builds the cell the worker saw: its statements are the worker's
// list, reusing what base (nil for a new cell) already decoded and
// checked, and its document is saved, the bytes the worker loaded, to be
// loaded when a method needs it. Statements of base that the new bytes
// delete or alter are put back, which loads the document now.
func cellFrom(base *Cell, saved []byte, res *workerResult, pre map[StatementID]*prechecked) (*Cell, error) {
	c := newCell(nil, res.Cell)
	var held map[StatementID][]byte
	if pre != nil {
		c.preKeys = map[StatementID]ed25519.PublicKey{}
	}
	c.saved, c.savedHeads = saved, res.Heads
	if base != nil {
		base.mu.Lock()
		var err error
		if held, err = base.held(); err != nil {
			base.mu.Unlock()
			return nil, err
		}
		for _, se := range res.Entries {
			if e := base.entries[se.Key]; e != nil && e.sameValue(se) {
				cp := *e
				c.entries[se.Key] = &cp
			}
		}
		c.inherit(base)
		for k := range base.entries {
			if _, ok := c.entries[k]; !ok {
				c.removed(k) // gone, or holding other bytes (written below)
			}
		}
		base.mu.Unlock()
	}
	for _, se := range res.Entries {
		if c.entries[se.Key] != nil {
			continue
		}
		c.changed(se.Key)
		if e := reuseChecked(se, pre, c.preKeys); e != nil {
			c.entries[se.Key] = e
			continue
		}
		se.Raw = bytes.Clone(se.Raw) // not the whole answer kept alive
		c.entries[se.Key] = se.entry(false)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, raw := range held {
		if e := c.entries[id.String()]; e == nil || !bytes.Equal(e.raw, raw) {
			// Rare: the new bytes delete or alter statements this device
			// holds. The worker loaded these bytes, so they are safe here.
			if err := c.ensureDoc(); err != nil {
				return nil, err
			}
			if err := c.afterForeign(held); err != nil {
				return nil, err
			}
			break
		}
	}
	c.decodeAll()
	return c, nil
}

// reuseChecked returns the entry for se made from what precheck found, if
// it found exactly these bytes under this key, and notes the key its
// signature was checked with in keys.
func reuseChecked(se snapshotEntry, pre map[StatementID]*prechecked, keys map[StatementID]ed25519.PublicKey) *entry {
	if se.NotBytes || len(pre) == 0 || len(se.Key) != 2*len(StatementID{}) {
		return nil
	}
	var id StatementID
	if _, err := hex.Decode(id[:], []byte(se.Key)); err != nil {
		return nil
	}
	p := pre[id]
	if p == nil || !bytes.Equal(p.stmt.raw, se.Raw) || id.String() != se.Key {
		return nil
	}
	if p.key != nil {
		keys[id] = p.key
	}
	return &entry{key: se.Key, raw: p.stmt.raw, stmt: p.stmt, decoded: true, keyOK: true}
}

// sameValue reports whether e holds the value the worker listed as se.
func (e *entry) sameValue(se snapshotEntry) bool {
	if se.NotBytes {
		return e.raw == nil
	}
	return e.raw != nil && bytes.Equal(e.raw, se.Raw)
}

// adopt makes c the new cell t, which the caller checked, instead of
// doing the same work on c a second time. t must not be used afterwards.
func (c *Cell) adopt(t *Cell) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	c.doc, c.entries, c.state, c.preKeys = t.doc, t.entries, t.state, t.preKeys
	c.saved, c.savedHeads, c.appended, c.reload = t.saved, t.savedHeads, t.appended, t.reload
	c.inStore, c.unsaved, c.gone, c.docDirty = t.inStore, t.unsaved, t.gone, t.docDirty
	c.packs, c.chunks, c.newChunks = t.packs, t.chunks, t.newChunks
	c.own, c.ownPending, c.storedEntries, c.kept = t.own, t.ownPending, t.storedEntries, t.kept
}

// Clone returns an independent copy of c to try changes on. Unlike
// Load(c.Save()) it keeps c's decoded statements and checked signatures,
// so deriving the copy's state does not check every signature again.
func (c *Cell) Clone() (*Cell, error) { return c.fork() }

// fork returns an independent copy of c, with its decoding and signature
// caches, to try changes on.
func (c *Cell) fork() (*Cell, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// A resting cell reads its statements back with its document: the
	// copy keeps the document's bytes, so that a change to it does not
	// read them back again.
	if f := c.restingFork(); f != nil {
		return f, nil
	}
	var saved []byte
	if c.entries == nil && c.doc == nil && c.saved == nil {
		s, err := c.fetchSnapshot()
		if err != nil {
			return nil, err
		}
		c.entries, saved = entriesOf(s), s.Doc
	}
	if err := c.warm(); err != nil {
		return nil, err
	}
	var doc *automerge.Doc
	if c.doc != nil {
		var err error
		if doc, err = c.doc.Fork(); err != nil {
			return nil, err
		}
	}
	f := newCell(doc, c.id)
	for k, e := range c.entries {
		cp := *e
		f.entries[k] = &cp
	}
	f.inherit(c)
	// The same statements derive the same state, which nobody modifies.
	f.state, f.own = c.state, c.own.forked()
	if doc == nil {
		// Not loaded yet: the copy shares the saved bytes, which nobody
		// modifies, and loads its own document when it needs one.
		f.saved, f.savedHeads, f.appended, f.reload = c.saved, c.savedHeads, c.appended, c.reload
		if saved != nil {
			f.saved = saved
		}
		return f, nil
	}
	return f, f.rescan()
}

// Why a worker died, as far as its parent can tell.
const (
	crashed      = iota // the data crashed it
	outOfMemory         // it reached its memory limit
	unknownDeath        // no way to tell which
)

// whyDied says why a worker that died did so. The Automerge engine that
// a file crashes says where it panicked; the Rust or Go runtime says when
// memory ran out; when the limit bites, the Go runtime sometimes dies
// without a clear message, so a worker that said nothing ran out of
// memory if its peak resident size reached half the limit.
//
// Linux keeps the peak of the memory a process had before it started
// another program: Go starts the worker from this process's memory, so
// the worker's peak is never below inherited, this process's own peak
// when the worker started. Only a peak above it is the worker's own; a
// peak equal to it tells nothing when inherited is itself past half the
// limit (otherwise a big parent made every crash a "memory limit").
func whyDied(stderr string, ps *os.ProcessState, limit, inherited int64) int {
	for _, m := range []string{"memory allocation of", "out of memory", "cannot allocate memory"} {
		if strings.Contains(stderr, m) {
			return outOfMemory
		}
	}
	if strings.Contains(stderr, "panicked at") {
		return crashed
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return crashed
	}
	switch peak := rssBytes(ru.Maxrss); {
	case peak > inherited && peak >= limit/2:
		return outOfMemory
	case peak <= inherited && inherited >= limit/2:
		return unknownDeath
	}
	return crashed
}

// selfPeak is this process's peak resident size in bytes.
func selfPeak() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return rssBytes(ru.Maxrss)
}

// rssBytes converts a resident size from getrusage to bytes: kilobytes
// everywhere but macOS.
func rssBytes(maxrss int64) int64 {
	if runtime.GOOS == "darwin" {
		return maxrss
	}
	return maxrss * 1024
}

// headBuffer keeps the first max bytes written to it and drops the rest.
type headBuffer struct {
	bytes.Buffer
	max int
}

func (t *headBuffer) Write(p []byte) (int, error) {
	if room := t.max - t.Len(); room > 0 {
		t.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
