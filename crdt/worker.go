package crdt

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/automerge/automerge-go"
)

// The checking worker.
//
// automerge-go aborts the whole process on some malformed documents and
// changes, and recover cannot catch that. So bytes from outside are first
// loaded in a child process: the same executable, started with the
// environment variable [WorkerEnv] set. The child loads exactly the bytes
// this process will later load (this device's document followed by the
// bytes from outside) and lists the statements it finds; this process
// then checks every statement itself and keeps the bytes, loading them
// only when it needs the Automerge document. Programs that use a Checker
// must call [IsWorker] and [ServeWorker] first thing in main (and in
// TestMain for tests):
//
//	func main() {
//		if crdt.IsWorker() {
//			crdt.ServeWorker() // does not return
//		}
//		...
//	}

const (
	// WorkerEnv is the environment variable that puts the executable into
	// worker mode; its value must be [workerMode].
	WorkerEnv = "TRUSTDESK_WORKER"
	// workerMode is the value of WorkerEnv for the Automerge check.
	workerMode = "check-automerge"
	// workerMemoryEnv carries the worker's memory limit in bytes.
	workerMemoryEnv = "TRUSTDESK_WORKER_MEMORY"

	// DefaultCheckTimeout is how long a check may take unless the Checker
	// says otherwise.
	DefaultCheckTimeout = 20 * time.Second
	// DefaultCheckMemory is the worker's memory limit unless the Checker
	// says otherwise.
	DefaultCheckMemory = 1 << 30

	requestMagic = "TDCK2"
	flagCompact  = 1 // the request asks for the result saved compactly
	// maxResultOutput bounds the worker's answer: the statements of the
	// largest document, uncompressed, with room to spare.
	maxResultOutput = 4 * MaxDocumentSize
	// maxAppended is how many chunks from outside a cell's saved bytes
	// may hold after its last compact save before the next check asks the
	// worker to save it compactly.
	maxAppended = 16
)

// IsWorker reports whether the process was started as a checking worker
// by a [Checker]. If so, the caller must call [ServeWorker] at once.
func IsWorker() bool { return os.Getenv(WorkerEnv) == workerMode }

// ServeWorker runs the checking worker: it limits its own memory, reads
// one request from standard input, performs it and writes the result to
// standard output, then exits. It never returns. If the input crashes the
// Automerge engine, the process dies, which the parent reports as
// [ErrDamaged].
func ServeWorker() {
	limit, _ := strconv.ParseInt(os.Getenv(workerMemoryEnv), 10, 64)
	if limit <= 0 {
		limit = DefaultCheckMemory
	}
	// Address space beyond this cannot be mapped: a huge allocation fails
	// (and aborts) instead of eating the machine. The Go heap is kept well
	// under it.
	_ = syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: uint64(limit), Max: uint64(limit)})
	debug.SetMemoryLimit(limit / 2)

	res, err := serve(os.Stdin)
	if err != nil {
		res = &workerResult{Error: err.Error()}
	}
	os.Stdout.Write(res.encode())
	os.Exit(0)
}

// workerResult is the worker's answer (SCHEMA.md §6).
type workerResult struct {
	OK      bool
	Error   string
	Cell    CellID
	Heads   []ChangeHash
	Entries []snapshotEntry
	Doc     []byte
}

// encode writes r in the answer's plain binary form: reading it back
// needs no decoder library and copies nothing.
func (r *workerResult) encode() []byte {
	if !r.OK {
		return append([]byte{0}, r.Error...)
	}
	n := 1 + len(r.Cell) + 3*binary.MaxVarintLen64 + 32*len(r.Heads) + len(r.Doc)
	for _, e := range r.Entries {
		n += 1 + 2*binary.MaxVarintLen64 + len(e.Key) + len(e.Raw)
	}
	b := make([]byte, 0, n)
	b = append(b, 1)
	b = append(b, r.Cell[:]...)
	b = binary.AppendUvarint(b, uint64(len(r.Heads)))
	for _, h := range r.Heads {
		b = append(b, h[:]...)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Entries)))
	for _, e := range r.Entries {
		b = binary.AppendUvarint(b, uint64(len(e.Key)))
		b = append(b, e.Key...)
		if e.NotBytes {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		b = binary.AppendUvarint(b, uint64(len(e.Raw)))
		b = append(b, e.Raw...)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Doc)))
	return append(b, r.Doc...)
}

var errAnswer = errors.New("unreadable answer")

// decodeResult reads an answer written by encode. Byte strings in the
// result point into b.
func decodeResult(b []byte) (*workerResult, error) {
	if len(b) == 0 {
		return nil, errAnswer
	}
	if b[0] == 0 {
		return &workerResult{Error: string(b[1:])}, nil
	}
	if b[0] != 1 || len(b) < 1+len(CellID{}) {
		return nil, errAnswer
	}
	r := &workerResult{OK: true, Cell: CellID(b[1 : 1+len(CellID{})])}
	b = b[1+len(CellID{}):]
	next := func(max int) (int, bool) {
		v, k := binary.Uvarint(b)
		if k <= 0 || v > uint64(max) {
			return 0, false
		}
		b = b[k:]
		return int(v), true
	}
	bytesOf := func() ([]byte, bool) {
		n, ok := next(len(b))
		if !ok || n > len(b) {
			return nil, false
		}
		v := b[:n:n]
		b = b[n:]
		return v, true
	}
	n, ok := next(len(b) / 32)
	if !ok {
		return nil, errAnswer
	}
	if n*32 > len(b) {
		return nil, errAnswer
	}
	for range n {
		r.Heads = append(r.Heads, ChangeHash(b[:32]))
		b = b[32:]
	}
	if n, ok = next(len(b) / 2); !ok {
		return nil, errAnswer
	}
	r.Entries = make([]snapshotEntry, n)
	for i := range r.Entries {
		key, ok := bytesOf()
		if !ok || len(b) == 0 {
			return nil, errAnswer
		}
		e := &r.Entries[i]
		e.Key = string(key)
		kind := b[0]
		b = b[1:]
		switch kind {
		case 0:
			e.NotBytes = true
		case 1:
			if e.Raw, ok = bytesOf(); !ok {
				return nil, errAnswer
			}
		default:
			return nil, errAnswer
		}
	}
	if r.Doc, ok = bytesOf(); !ok || len(b) != 0 {
		return nil, errAnswer
	}
	if len(r.Doc) == 0 {
		r.Doc = nil
	}
	return r, nil
}

func serve(r io.Reader) (*workerResult, error) {
	in, err := io.ReadAll(io.LimitReader(r, 3*MaxDocumentSize))
	if err != nil {
		return nil, err
	}
	req, err := parseRequest(in)
	if err != nil {
		return nil, err
	}
	// The one load the main process will do with these bytes.
	doc, err := automerge.Load(req.joined())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	id, err := readHeader(doc)
	if err != nil {
		return nil, err
	}
	if err := singleHistory(doc, req); err != nil {
		return nil, err
	}
	vals, err := doc.Path(keyStatements).Map().Values()
	if err != nil {
		return nil, fmt.Errorf("%w: statements: %v", ErrMalformed, err)
	}
	res := &workerResult{OK: true, Cell: id, Entries: make([]snapshotEntry, 0, len(vals))}
	for k, v := range vals {
		if v.Kind() == automerge.KindBytes {
			res.Entries = append(res.Entries, snapshotEntry{Key: k, Raw: v.Bytes()})
		} else {
			res.Entries = append(res.Entries, snapshotEntry{Key: k, NotBytes: true})
		}
	}
	res.Heads = sortedHeads(doc)
	if req.compact {
		res.Doc = doc.Save()
	}
	return res, nil
}

// singleHistory checks that the document has one history starting at one
// founding change: changes from an unrelated document would merge
// silently otherwise. With a base (which has one root) only the new
// changes need looking at; for a chunk of changes without a root, their
// headers tell.
func singleHistory(doc *automerge.Doc, req *request) error {
	want := 1
	if len(req.base) > 0 {
		want = 0
	}
	roots, ok := 0, false
	if want == 0 {
		// A chunk without roots adds none. One with a root may repeat
		// the base's own founding change: Automerge tells.
		roots, ok = chunkRoots(req.input)
		ok = ok && roots == 0
	}
	if !ok {
		since := make([]automerge.ChangeHash, len(req.heads))
		for i, h := range req.heads {
			since[i] = automerge.ChangeHash(h)
		}
		chs, err := doc.Changes(since...)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		roots = 0
		for _, ch := range chs {
			if len(ch.Dependencies()) == 0 {
				roots++
			}
		}
	}
	if roots != want {
		return fmt.Errorf("%w: the document mixes unrelated histories", ErrWrongCell)
	}
	return nil
}

// request is what the parent sends the worker.
type request struct {
	base    []byte       // this device's document; empty for a new cell
	heads   []ChangeHash // base's heads
	input   []byte       // the bytes from outside
	compact bool         // answer with the result saved compactly

	all []byte // base and input side by side, once encoded or parsed
}

// joined is what the main process will load: base followed by input
// (Automerge loads a document followed by change chunks or documents).
func (r *request) joined() []byte {
	if r.all == nil {
		r.all = append(slices.Clip(r.base), r.input...)
	}
	return r.all
}

// encode returns the request as sent (SCHEMA.md §6); base and input come
// last, side by side, so they need no other copy.
func (r *request) encode() []byte {
	b := make([]byte, 0, len(requestMagic)+1+2*binary.MaxVarintLen64+32*len(r.heads)+len(r.base)+len(r.input))
	b = append(b, requestMagic...)
	var flags byte
	if r.compact {
		flags |= flagCompact
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(len(r.heads)))
	for _, h := range r.heads {
		b = append(b, h[:]...)
	}
	b = binary.AppendUvarint(b, uint64(len(r.base)))
	at := len(b)
	b = append(b, r.base...)
	b = append(b, r.input...)
	r.all = b[at:]
	return b
}

func parseRequest(b []byte) (*request, error) {
	if !bytes.HasPrefix(b, []byte(requestMagic)) || len(b) < len(requestMagic)+1 {
		return nil, errors.New("bad request")
	}
	b = b[len(requestMagic):]
	if b[0]&^flagCompact != 0 {
		return nil, errors.New("bad request flags")
	}
	r := &request{compact: b[0]&flagCompact != 0}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k)/32 {
		return nil, errors.New("bad request length")
	}
	b = b[k:]
	for range n {
		r.heads = append(r.heads, ChangeHash(b[:32]))
		b = b[32:]
	}
	n, k = binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, errors.New("bad request length")
	}
	r.all = b[k:]
	r.base, r.input = r.all[:n], r.all[n:]
	return r, nil
}

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

	mu    sync.Mutex
	spare *spare // started by Warm, waiting for a request
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
	return c.result(), nil
}

// LoadUntrusted checks doc (a cell document or a chunk of all of a cell's
// changes from outside) in the worker and, if it is accepted, returns the
// cell it holds.
func (ch *Checker) LoadUntrusted(ctx context.Context, doc []byte) (*Cell, *CheckResult, error) {
	res, err := ch.run(ctx, &request{input: doc})
	if err != nil {
		return nil, nil, err
	}
	c, err := cellFrom(nil, slices.Clone(doc), res, nil)
	if err != nil {
		return nil, nil, err
	}
	return c, c.result(), nil
}

// Extend checks input (a change chunk or a whole cell document from
// outside) in the worker against base's current document and, if it is
// accepted, returns a new cell holding base and input together. Base is
// not changed. The new cell reuses base's decoded statements and checks;
// it checks the signatures of new statements when its state is first
// derived.
func (ch *Checker) Extend(ctx context.Context, base *Cell, input []byte) (*Cell, error) {
	req, appended, err := base.request(input)
	if err != nil {
		return nil, err
	}
	type answer struct {
		res *workerResult
		err error
	}
	done := make(chan answer, 1)
	freed := make(chan struct{})
	go func() {
		res, err := ch.run(ctx, req)
		close(freed)
		done <- answer{res, err}
	}()
	pre := base.precheck(input, freed) // while the worker runs
	a := <-done
	res := a.res
	if err = a.err; err != nil {
		return nil, err
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
	return c, nil
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

// request returns the worker request for adding input to c, and how many
// chunks from outside the result's saved bytes will hold if the worker
// does not save it compactly.
func (c *Cell) request(input []byte) (*request, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	appended := c.appended
	if c.doc != nil {
		appended = 0 // saving the loaded document compacts it
	}
	base, err := c.save()
	if err != nil {
		return nil, 0, err
	}
	req := &request{base: base, heads: c.heads(), input: input}
	// A whole document repeats what base holds; many chunks make loading
	// slow. Either way the worker saves the result compactly.
	req.compact = IsDocument(input) || appended >= maxAppended
	return req, appended + 1, nil
}

// result describes c for a caller of the Checker.
func (c *Cell) result() *CheckResult {
	st := c.State()
	c.mu.Lock()
	defer c.mu.Unlock()
	return &CheckResult{Cell: c.id, Heads: c.heads(), Statements: len(c.entries), Counted: st.Counted, Invalid: len(st.Invalid), Digest: st.Digest()}
}

// A process is a started worker waiting for its request.
type process struct {
	cmd            *exec.Cmd
	stdin          io.WriteCloser
	stdout, stderr headBuffer
	mem            int64
	exited         chan struct{} // closed when the process has exited
	err            error         // Wait's result, set before exited closes
}

// Warm starts a worker in the background, so that the next check does not
// wait for a process to start; call it before work that can overlap the
// start, such as decrypting a file. It does nothing if a started worker is
// waiting already. A waiting worker exits when this process does, or on
// [Checker.Close].
func (ch *Checker) Warm() {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.spare != nil {
		return
	}
	sp := &spare{ready: make(chan struct{})}
	ch.spare = sp
	go func() {
		sp.p, sp.err = ch.start()
		close(sp.ready)
	}()
}

// A spare is a worker being started by Warm.
type spare struct {
	ready chan struct{} // closed when p and err are set
	p     *process
	err   error
}

// Close stops the worker started by [Checker.Warm], if it is waiting.
func (ch *Checker) Close() {
	ch.mu.Lock()
	sp := ch.spare
	ch.spare = nil
	ch.mu.Unlock()
	if sp == nil {
		return
	}
	<-sp.ready
	if p := sp.p; p != nil {
		p.stdin.Close() // a waiting worker exits on an empty request
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// take returns the waiting worker if it is still alive, else a new one.
func (ch *Checker) take() (*process, error) {
	ch.mu.Lock()
	sp := ch.spare
	ch.spare = nil
	ch.mu.Unlock()
	if sp != nil {
		<-sp.ready
		if p := sp.p; p != nil {
			select {
			case <-p.exited: // died while waiting: not the input's fault
			default:
				return p, nil
			}
		}
	}
	return ch.start()
}

func (ch *Checker) start() (*process, error) {
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
	p.stdout.max, p.stderr.max = maxResultOutput, 64<<10
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
	cmd.WaitDelay = time.Second
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// run has a worker check req and returns its answer.
func (ch *Checker) run(ctx context.Context, req *request) (*workerResult, error) {
	if len(req.base) > MaxDocumentSize || len(req.input) > MaxDocumentSize {
		return nil, fmt.Errorf("check cell data: %w", ErrTooLarge)
	}
	if len(req.input) == 0 {
		return nil, fmt.Errorf("check cell data: %w: empty", ErrDamaged)
	}
	p, err := ch.take()
	if err != nil {
		return nil, fmt.Errorf("check cell data: %w: %v", ErrCouldNotCheck, err)
	}
	timeout := ch.Timeout
	if timeout <= 0 {
		timeout = DefaultCheckTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	data := req.encode()
	go func() {
		// Fails only if the worker dies first, which Wait reports.
		p.stdin.Write(data)
		p.stdin.Close()
	}()
	select {
	case <-p.exited:
	case <-ctx.Done():
		p.cmd.Process.Kill()
		<-p.exited
		return nil, fmt.Errorf("check cell data: %w: %v", ErrCouldNotCheck, context.Cause(ctx))
	}
	if p.err != nil {
		var ee *exec.ExitError
		if !errors.As(p.err, &ee) {
			return nil, fmt.Errorf("check cell data: %w: %v", ErrCouldNotCheck, p.err)
		}
		if memoryExhausted(p.stderr.String(), p.cmd.ProcessState, p.mem) {
			return nil, fmt.Errorf("check cell data: %w: memory limit reached", ErrCouldNotCheck)
		}
		return nil, fmt.Errorf("check cell data: %w: the data crashed the checker (%v)", ErrDamaged, ee)
	}
	res, err := decodeResult(p.stdout.Bytes())
	if err != nil || p.stdout.full() {
		return nil, fmt.Errorf("check cell data: %w: unreadable answer from the checker", ErrCouldNotCheck)
	}
	if !res.OK {
		return nil, fmt.Errorf("check cell data: %w: %s", ErrDamaged, res.Error)
	}
	return res, nil
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
		base.mu.Unlock()
	}
	for _, se := range res.Entries {
		if c.entries[se.Key] != nil {
			continue
		}
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
	if doc == nil {
		// Not loaded yet: the copy shares the saved bytes, which nobody
		// modifies, and loads its own document when it needs one.
		f.saved, f.savedHeads, f.appended, f.reload = c.saved, c.savedHeads, c.appended, c.reload
		return f, nil
	}
	return f, f.rescan()
}

// memoryExhausted reports whether a worker that died did so because it hit
// its memory limit: the Rust or Go runtime says so, or the worker's peak
// resident size reached half the limit (when the limit bites, the Go
// runtime sometimes dies without a clear message).
func memoryExhausted(stderr string, ps *os.ProcessState, limit int64) bool {
	for _, m := range []string{"memory allocation of", "out of memory", "cannot allocate memory"} {
		if strings.Contains(stderr, m) {
			return true
		}
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return false
	}
	peak := int64(ru.Maxrss)
	if runtime.GOOS != "darwin" {
		peak *= 1024 // kilobytes everywhere but macOS
	}
	return peak >= limit/2
}

// headBuffer keeps the first max bytes written to it and drops the rest.
type headBuffer struct {
	bytes.Buffer
	max     int
	dropped bool
}

func (t *headBuffer) Write(p []byte) (int, error) {
	room := t.max - t.Len()
	if room > 0 {
		t.Buffer.Write(p[:min(room, len(p))])
	}
	if len(p) > room {
		t.dropped = true
	}
	return len(p), nil
}

// full reports whether anything was dropped.
func (t *headBuffer) full() bool { return t.dropped }
