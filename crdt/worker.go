package crdt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
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
func ServeWorker() { ServeWorkerEach(nil) }

// ServeWorkerEach is [ServeWorker] calling before, if not nil, ahead of
// each request (tests hold the worker up with it).
func ServeWorkerEach(before func()) {
	limit, _ := strconv.ParseInt(os.Getenv(workerMemoryEnv), 10, 64)
	if limit <= 0 {
		limit = DefaultCheckMemory
	}
	// Address space beyond this cannot be mapped: a huge allocation fails
	// (and aborts) instead of eating the machine. The Go heap is kept well
	// under it.
	_ = syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: uint64(limit), Max: uint64(limit)})
	debug.SetMemoryLimit(limit / 2)
	// Automerge's results live in Rust's memory, which Go does not see,
	// until the Go values that hold them are collected: collecting
	// often keeps them few (a 100,000-statement file: a peak of 516 MB
	// instead of 658, for no more processor time).
	debug.SetGCPercent(10)

	in := bufio.NewReaderSize(os.Stdin, 64<<10)
	if magic, err := in.Peek(len(sessionMagic)); err == nil && string(magic) == sessionMagic {
		in.Discard(len(sessionMagic))
		serveSession(in, os.Stdout, before)
		os.Exit(0)
	}
	if before != nil {
		before()
	}
	res, err := serve(in)
	if err != nil {
		res = &workerResult{Error: err.Error()}
	}
	res.writeTo(bufio.NewWriterSize(os.Stdout, 64<<10))
	os.Exit(0)
}

// workerResult is the worker's answer (SCHEMA.md §6).
type workerResult struct {
	OK    bool
	Error string
	// NotHeld says that a worker for the session cannot apply changes to
	// a document it holds (see session.go): the parent sends all.
	NotHeld bool
	// Partial says that Entries are only the keys the changes touched
	// (absent ones marked), and Len the number of entries after them.
	Partial bool
	Len     int
	Cell    CellID
	Heads   []ChangeHash
	Entries []snapshotEntry
	Doc     []byte
}

// size is how many bytes [workerResult.writeTo] writes.
func (r *workerResult) size() int {
	switch {
	case r.NotHeld:
		return 1
	case !r.OK:
		return 1 + len(r.Error)
	}
	n := 1 + len(r.Cell) + uvarintLen(len(r.Heads)) + 32*len(r.Heads) + uvarintLen(len(r.Entries))
	for _, e := range r.Entries {
		n += uvarintLen(len(e.Key)) + len(e.Key) + 1
		if !e.absent && !e.NotBytes {
			n += uvarintLen(len(e.Raw)) + len(e.Raw)
		}
	}
	if r.Partial {
		n += uvarintLen(r.Len)
	}
	return n + uvarintLen(len(r.Doc)) + len(r.Doc)
}

// uvarintLen is how many bytes n takes as an unsigned LEB128 varint.
func uvarintLen(n int) int {
	k := 1
	for ; n >= 0x80; n >>= 7 {
		k++
	}
	return k
}

// writeTo writes r in the answer's plain binary form, piece by piece:
// the answer to a large document is as large as its statements, and
// building it whole would add that much to the worker's peak memory.
// Reading it back needs no decoder library and copies nothing.
func (r *workerResult) writeTo(w *bufio.Writer) error {
	switch {
	case r.NotHeld:
		w.WriteByte(3)
		return w.Flush()
	case !r.OK:
		w.WriteByte(0)
		w.WriteString(r.Error)
		return w.Flush()
	}
	var num [binary.MaxVarintLen64]byte
	uvarint := func(n int) { w.Write(binary.AppendUvarint(num[:0], uint64(n))) }
	if r.Partial {
		w.WriteByte(2)
	} else {
		w.WriteByte(1)
	}
	w.Write(r.Cell[:])
	uvarint(len(r.Heads))
	for _, h := range r.Heads {
		w.Write(h[:])
	}
	uvarint(len(r.Entries))
	for _, e := range r.Entries {
		uvarint(len(e.Key))
		w.WriteString(e.Key)
		switch {
		case e.absent:
			w.WriteByte(2)
		case e.NotBytes:
			w.WriteByte(0)
		default:
			w.WriteByte(1)
			uvarint(len(e.Raw))
			w.Write(e.Raw)
		}
	}
	if r.Partial {
		uvarint(r.Len)
	}
	uvarint(len(r.Doc))
	w.Write(r.Doc)
	return w.Flush()
}

var errAnswer = errors.New("unreadable answer")

// decodeResult reads an answer written by writeTo. Byte strings in the
// result point into b.
func decodeResult(b []byte) (*workerResult, error) {
	if len(b) == 0 {
		return nil, errAnswer
	}
	switch {
	case b[0] == 0:
		return &workerResult{Error: string(b[1:])}, nil
	case b[0] == 3 && len(b) == 1:
		return &workerResult{NotHeld: true}, nil
	case b[0] != 1 && b[0] != 2 || len(b) < 1+len(CellID{}):
		return nil, errAnswer
	}
	r := &workerResult{OK: true, Partial: b[0] == 2, Cell: CellID(b[1 : 1+len(CellID{})])}
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
		case 2:
			if !r.Partial {
				return nil, errAnswer
			}
			e.absent = true
		default:
			return nil, errAnswer
		}
	}
	if r.Partial {
		if r.Len, ok = next(1 << 40); !ok {
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
	if req.hold {
		return nil, errors.New("bad request: nothing to hold a document for")
	}
	res, _, err := check(req)
	return res, err
}

// check performs req: the one load the main process will do with these
// bytes, then the checks and the listing. It also returns the document.
func check(req *request) (*workerResult, *automerge.Doc, error) {
	doc, err := automerge.Load(req.joined())
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	id, err := readHeader(doc)
	if err != nil {
		return nil, nil, err
	}
	if err := singleHistory(doc, req); err != nil {
		return nil, nil, err
	}
	if err := complete(doc, req); err != nil {
		return nil, nil, err
	}
	res := &workerResult{OK: true, Cell: id, Heads: sortedHeads(doc)}
	if req.compact {
		// Saved before the statements are listed: saving needs much
		// memory for a while, and the statements read would add to it.
		res.Doc = doc.Save()
	}
	vals, err := doc.Path(keyStatements).Map().Values()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: statements: %v", ErrMalformed, err)
	}
	res.Entries = make([]snapshotEntry, 0, len(vals))
	for k, v := range vals {
		if v.Kind() == automerge.KindBytes {
			res.Entries = append(res.Entries, snapshotEntry{Key: k, Raw: v.Bytes()})
		} else {
			res.Entries = append(res.Entries, snapshotEntry{Key: k, NotBytes: true})
		}
	}
	return res, doc, nil
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
	if !ok && want == 1 {
		var err error
		if roots, err = countRoots(doc); err != nil {
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
	} else if !ok {
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

// countRoots counts the changes without dependencies in doc's history,
// walking it from its heads one change at a time: every change is a head
// or a dependency of another. Asking Automerge for all the changes at
// once holds a copy of each until Go's collector frees them (a document
// of 100,000 statements: 200 MB more at the worker's peak).
func countRoots(doc *automerge.Doc) (int, error) {
	seen := map[automerge.ChangeHash]bool{}
	todo, roots := doc.Heads(), 0
	for len(todo) > 0 {
		h := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[h] {
			continue
		}
		seen[h] = true
		ch, err := doc.Change(h)
		if err != nil {
			return 0, err
		}
		deps := ch.Dependencies()
		if len(deps) == 0 {
			roots++
		}
		for _, d := range deps {
			if !seen[d] {
				todo = append(todo, d)
			}
		}
	}
	return roots, nil
}

// complete checks that every change of a change chunk added to a base was
// applied (its heads are: see [chunkHeads]): Automerge keeps a change whose dependencies it does not hold
// aside without a word, so a chunk sent on the belief that this device
// holds more than it does would otherwise look like nothing new.
func complete(doc *automerge.Doc, req *request) error {
	if len(req.base) == 0 || IsDocument(req.input) {
		return nil
	}
	hashes, ok := chunkHeadHashes(req.input)
	if !ok {
		return nil // not only change chunks: Automerge loaded them as they are
	}
	for _, h := range hashes {
		if _, err := doc.Change(h); err != nil {
			return ErrMissingPast
		}
	}
	return nil
}

// request is what the parent sends the worker.
type request struct {
	base    []byte       // this device's document; empty for a new cell
	heads   []ChangeHash // base's heads
	input   []byte       // the bytes from outside
	compact bool         // answer with the result saved compactly
	partial bool         // a worker for the session may answer as to a held request
	hold    bool         // a worker for the session loads base alone and holds it

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
	if r.partial {
		flags |= flagPartial
	}
	if r.hold {
		flags |= flagHold
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
	if b[0]&^(flagCompact|flagPartial|flagHold) != 0 {
		return nil, errors.New("bad request flags")
	}
	r := &request{compact: b[0]&flagCompact != 0, partial: b[0]&flagPartial != 0, hold: b[0]&flagHold != 0}
	var err error
	if r.heads, b, err = readHeads(b[1:]); err != nil {
		return nil, err
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, errors.New("bad request length")
	}
	r.all = b[k:]
	r.base, r.input = r.all[:n], r.all[n:]
	return r, nil
}

// readHeads reads a request's heads: their number as an unsigned varint,
// then each, 32 bytes. It returns what follows them.
func readHeads(b []byte) ([]ChangeHash, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k)/32 {
		return nil, nil, errors.New("bad request length")
	}
	b = b[k:]
	heads := make([]ChangeHash, n)
	for i := range heads {
		heads[i] = ChangeHash(b[:32])
		b = b[32:]
	}
	return heads, b, nil
}
