package crdt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/automerge/automerge-go"
)

// The checking worker.
//
// automerge-go aborts the whole process on some malformed documents and
// changes, and recover cannot catch that. So bytes from outside are first
// loaded, applied and derived in a child process: the same executable,
// started with the environment variable [WorkerEnv] set. Programs that use
// a Checker must call [IsWorker] and [ServeWorker] first thing in main
// (and in TestMain for tests):
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

	requestMagic    = "TDCK1"
	modeDocument    = 'D'
	modeChanges     = 'C'
	maxResultOutput = 64 << 10
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
	b, _ := json.Marshal(res)
	os.Stdout.Write(append(b, '\n'))
	os.Exit(0)
}

// workerResult is the worker's answer, one line of JSON.
type workerResult struct {
	OK         bool     `json:"ok"`
	Error      string   `json:"error,omitempty"`
	Cell       string   `json:"cell,omitempty"`
	Heads      []string `json:"heads,omitempty"`
	Statements int      `json:"statements"`
	Counted    int      `json:"counted"`
	Invalid    int      `json:"invalid"`
	Digest     string   `json:"digest,omitempty"`
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
	c, err := apply(req)
	if err != nil {
		return nil, err
	}
	st := c.State()
	res := &workerResult{OK: true, Cell: c.ID().String(), Statements: len(c.entries), Counted: st.Counted, Invalid: len(st.Invalid)}
	for _, h := range c.Heads() {
		res.Heads = append(res.Heads, h.String())
	}
	d := st.Digest()
	res.Digest = hex.EncodeToString(d[:])
	return res, nil
}

// apply does what the main process will do with the bytes, and checks
// that the result has a single history starting at one founding change:
// changes from an unrelated document would merge silently otherwise.
func apply(req *request) (*Cell, error) {
	c, baseHeads, err := applyRaw(req)
	if err != nil {
		return nil, err
	}
	// The base has one root; then only the new changes need looking at.
	want := 1
	if len(baseHeads) > 0 {
		want = 0
	}
	chs, err := c.doc.Changes(baseHeads...)
	if err != nil {
		return nil, err
	}
	roots := 0
	for _, ch := range chs {
		if len(ch.Dependencies()) == 0 {
			roots++
		}
	}
	if roots != want {
		return nil, fmt.Errorf("%w: the document mixes unrelated histories", ErrWrongCell)
	}
	return c, nil
}

func applyRaw(req *request) (*Cell, []automerge.ChangeHash, error) {
	if len(req.base) == 0 {
		c, err := Load(req.input)
		return c, nil, err
	}
	c, err := Load(req.base)
	if err != nil {
		return nil, nil, fmt.Errorf("base document: %w", err)
	}
	heads := c.doc.Heads()
	c.trustSignatures(req.verified)
	switch req.mode {
	case modeDocument:
		o, err := Load(req.input)
		if err != nil {
			return nil, nil, err
		}
		if err := c.Merge(o); err != nil {
			return nil, nil, err
		}
	case modeChanges:
		if err := c.ApplyChanges(req.input); err != nil {
			return nil, nil, err
		}
	}
	return c, heads, nil
}

// request is what the parent sends the worker.
type request struct {
	mode     byte
	base     []byte
	verified []StatementID // statements of base whose signature the parent checked
	input    []byte
}

func (r *request) encode() []byte {
	b := make([]byte, 0, len(requestMagic)+1+2*binary.MaxVarintLen64+len(r.base)+32*len(r.verified)+len(r.input))
	b = append(b, requestMagic...)
	b = append(b, r.mode)
	b = binary.AppendUvarint(b, uint64(len(r.base)))
	b = append(b, r.base...)
	b = binary.AppendUvarint(b, uint64(len(r.verified)))
	for _, id := range r.verified {
		b = append(b, id[:]...)
	}
	return append(b, r.input...)
}

func parseRequest(b []byte) (*request, error) {
	if !bytes.HasPrefix(b, []byte(requestMagic)) || len(b) < len(requestMagic)+1 {
		return nil, errors.New("bad request")
	}
	b = b[len(requestMagic):]
	r := &request{mode: b[0]}
	b = b[1:]
	if r.mode != modeDocument && r.mode != modeChanges {
		return nil, errors.New("bad request mode")
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, errors.New("bad request length")
	}
	r.base, b = b[k:k+int(n)], b[k+int(n):]
	n, k = binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k)/32 {
		return nil, errors.New("bad request length")
	}
	b = b[k:]
	for range n {
		r.verified = append(r.verified, StatementID(b[:32]))
		b = b[32:]
	}
	r.input = b
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
}

// CheckResult is what the worker found. The main process can compare it
// with its own result after doing the same operation.
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
// base, and that the result derives a state. It returns [ErrTooLarge] for
// oversized input, [ErrDamaged] if the bytes crashed the worker or are not
// a cell document, and [ErrCouldNotCheck] if the worker could not run to
// the end.
func (ch *Checker) CheckDocument(ctx context.Context, base, untrusted []byte) (*CheckResult, error) {
	return ch.check(ctx, &request{mode: modeDocument, base: base, input: untrusted})
}

// CheckChanges is like [Checker.CheckDocument] for a change chunk made by
// [Cell.ChangesSince], applied to base. With an empty base the chunk must
// hold a whole cell's changes.
func (ch *Checker) CheckChanges(ctx context.Context, base, chunk []byte) (*CheckResult, error) {
	return ch.check(ctx, &request{mode: modeChanges, base: base, input: chunk})
}

func (ch *Checker) check(ctx context.Context, req *request) (*CheckResult, error) {
	if len(req.base) > MaxDocumentSize || len(req.input) > MaxDocumentSize {
		return nil, fmt.Errorf("check cell data: %w", ErrTooLarge)
	}
	if len(req.input) == 0 {
		return nil, fmt.Errorf("check cell data: %w: empty", ErrDamaged)
	}
	exe := ch.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("check cell data: %w: %v", ErrCouldNotCheck, err)
		}
	}
	timeout := ch.Timeout
	if timeout <= 0 {
		timeout = DefaultCheckTimeout
	}
	mem := ch.MemoryLimit
	if mem <= 0 {
		mem = DefaultCheckMemory
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, ch.Args...)
	// The worker gets the parent's environment without trustdesk's own
	// settings (the passphrase among them), then the Checker's additions.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TRUSTDESK_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, ch.Env...)
	cmd.Env = append(cmd.Env, WorkerEnv+"="+workerMode, workerMemoryEnv+"="+strconv.FormatInt(mem, 10), "RUST_BACKTRACE=0")
	cmd.Stdin = bytes.NewReader(req.encode())
	var stdout, stderr headBuffer
	stdout.max, stderr.max = maxResultOutput, maxResultOutput
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("check cell data: %w: %v", ErrCouldNotCheck, context.Cause(ctx))
	}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return nil, fmt.Errorf("check cell data: %w: %v", ErrCouldNotCheck, err)
		}
		if memoryExhausted(stderr.String(), cmd.ProcessState, mem) {
			return nil, fmt.Errorf("check cell data: %w: memory limit reached", ErrCouldNotCheck)
		}
		return nil, fmt.Errorf("check cell data: %w: the data crashed the checker (%v)", ErrDamaged, ee)
	}
	var res workerResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("check cell data: %w: unreadable answer from the checker", ErrCouldNotCheck)
	}
	if !res.OK {
		return nil, fmt.Errorf("check cell data: %w: %s", ErrDamaged, res.Error)
	}
	out := &CheckResult{Statements: res.Statements, Counted: res.Counted, Invalid: res.Invalid}
	var err2 error
	if out.Cell, err2 = ParseCellID(res.Cell); err2 != nil {
		return nil, fmt.Errorf("check cell data: %w: unreadable answer from the checker", ErrCouldNotCheck)
	}
	for _, h := range res.Heads {
		ch, err := ParseChangeHash(h)
		if err != nil {
			return nil, fmt.Errorf("check cell data: %w: unreadable answer from the checker", ErrCouldNotCheck)
		}
		out.Heads = append(out.Heads, ch)
	}
	if d, err := hex.DecodeString(res.Digest); err != nil || len(d) != 32 {
		return nil, fmt.Errorf("check cell data: %w: unreadable answer from the checker", ErrCouldNotCheck)
	} else {
		copy(out.Digest[:], d)
	}
	return out, nil
}

// LoadUntrusted checks doc (a cell document or a chunk of all of a cell's
// changes from outside) in the worker and, if it is accepted, loads it in
// this process and confirms both derived the same state.
func (ch *Checker) LoadUntrusted(ctx context.Context, doc []byte) (*Cell, *CheckResult, error) {
	res, err := ch.CheckDocument(ctx, nil, doc)
	if err != nil {
		return nil, nil, err
	}
	c, err := Load(doc)
	if err != nil {
		return nil, nil, err
	}
	if err := sameResult(c, res); err != nil {
		return nil, nil, err
	}
	return c, res, nil
}

// ApplyUntrusted checks chunk (changes from outside) in the worker against
// c's current document and, if it is accepted, applies it to c and
// confirms both derived the same state. On any error c is unchanged.
func (ch *Checker) ApplyUntrusted(ctx context.Context, c *Cell, chunk []byte) (*CheckResult, error) {
	base, verified := c.saveVerified()
	res, err := ch.check(ctx, &request{mode: modeChanges, base: base, verified: verified, input: chunk})
	if err != nil {
		return nil, err
	}
	if res.Cell != c.ID() {
		return nil, fmt.Errorf("apply changes: %w", ErrWrongCell)
	}
	trial, err := c.fork()
	if err != nil {
		return nil, err
	}
	if err := trial.ApplyChanges(chunk); err != nil {
		return nil, err
	}
	if err := sameResult(trial, res); err != nil {
		return nil, err
	}
	c.adopt(trial)
	return res, nil
}

// MergeUntrusted checks doc (a whole cell document from outside) in the
// worker against c's current document and, if it is accepted, merges it
// into c and confirms both derived the same state. On any error c is
// unchanged.
func (ch *Checker) MergeUntrusted(ctx context.Context, c *Cell, doc []byte) (*CheckResult, error) {
	base, verified := c.saveVerified()
	res, err := ch.check(ctx, &request{mode: modeDocument, base: base, verified: verified, input: doc})
	if err != nil {
		return nil, err
	}
	if res.Cell != c.ID() {
		return nil, fmt.Errorf("merge cell: %w", ErrWrongCell)
	}
	o, err := Load(doc)
	if err != nil {
		return nil, err
	}
	trial, err := c.fork()
	if err != nil {
		return nil, err
	}
	if err := trial.Merge(o); err != nil {
		return nil, err
	}
	if err := sameResult(trial, res); err != nil {
		return nil, err
	}
	c.adopt(trial)
	return res, nil
}

// adopt makes c the trial copy t, which the caller checked, instead of
// doing the same work on c a second time. t must not be used afterwards.
func (c *Cell) adopt(t *Cell) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	c.doc, c.entries, c.known, c.state = t.doc, t.entries, t.known, t.state
	c.saved, c.savedHeads = t.saved, t.savedHeads
}

// saveVerified returns c's document and the ids of its statements whose
// signatures were already checked, so the worker need not check them again.
func (c *Cell) saveVerified() ([]byte, []StatementID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []StatementID
	for _, e := range c.entries {
		if e.sig > 0 && e.keyOK {
			ids = append(ids, e.stmt.id)
		}
	}
	return c.save(), ids
}

// trustSignatures marks the statements with the given ids as having good
// signatures. It is used by the worker with ids from the parent, which
// checked them; an id is the hash of the statement's bytes, so it cannot
// vouch for other bytes.
func (c *Cell) trustSignatures(ids []StatementID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.decodeAll()
	for _, id := range ids {
		if e := c.entries[id.String()]; e != nil && e.keyOK {
			e.sig = 1
		}
	}
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
	var doc *automerge.Doc
	if c.doc != nil {
		var err error
		if doc, err = c.doc.Fork(); err != nil {
			return nil, err
		}
	}
	f := newCell(doc, c.id)
	for k, v := range c.known {
		f.known[k] = v
	}
	for k, e := range c.entries {
		cp := *e
		f.entries[k] = &cp
	}
	if doc == nil {
		// Not loaded yet: the copy shares the saved bytes, which nobody
		// modifies, and loads its own document when it needs one.
		f.saved, f.savedHeads = c.saved, c.savedHeads
		return f, nil
	}
	return f, f.rescan()
}

func sameResult(c *Cell, res *CheckResult) error {
	if c.ID() != res.Cell {
		return fmt.Errorf("check cell data: %w", ErrWrongCell)
	}
	if c.State().Digest() != res.Digest {
		return fmt.Errorf("check cell data: %w: the checker saw a different cell", ErrCouldNotCheck)
	}
	return nil
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
	max int
}

func (t *headBuffer) Write(p []byte) (int, error) {
	if room := t.max - t.Len(); room > 0 {
		t.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
