package crdt

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"runtime"
	"sync"
	"sync/atomic"

	"trustdesk/identity"
)

// Checking statements while the worker runs.
//
// The worker takes a while (a process, an Automerge load), and until it
// answers this process does not know the statements that bytes from
// outside hold. But a change chunk keeps each statement's bytes as they
// are, so most of them can be found by looking for the cell's id where a
// statement's content starts, then decoded and their signatures checked
// in the meantime. Nothing found this way is taken on trust: a statement
// only counts if the worker lists it, byte for byte, and a check is only
// reused for the same author key (see Cell.derive).

// prechecked is what the early look found about one statement.
type prechecked struct {
	stmt *Statement
	key  ed25519.PublicKey // the signing key its signature was checked with; nil if not checked
}

// findStatements returns the statements of cell that appear as they are in
// b, decoded (in full, as from outside). It may miss some; it never
// returns anything that is not a well-formed statement of the cell.
func findStatements(cell CellID, b []byte, freed <-chan struct{}) map[StatementID]*prechecked {
	var spans [][]byte
	pattern := append([]byte{0x01, 0x50}, cell[:]...) // key 1, a 16-byte string: the cell id
	for at := 0; ; {
		i := bytes.Index(b[at:], pattern)
		if i < 0 {
			break
		}
		i += at
		at = i + 1
		// The content is a map that starts just before: one byte for up
		// to 23 pairs. It is a byte string of the statement array
		// [content, signature], with a one- or two-byte length.
		c := i - 1
		if c < 3 || b[c] < 0xa1 || b[c] > 0xb7 {
			continue
		}
		var start, n int
		switch {
		case b[c-2] == 0x58 && b[c-3] == 0x82:
			start, n = c-3, int(b[c-1])
		case c >= 4 && b[c-3] == 0x59 && b[c-4] == 0x82:
			start, n = c-4, int(binary.BigEndian.Uint16(b[c-2:c]))
		default:
			continue
		}
		end := c + n + 2 + ed25519.SignatureSize
		if end <= len(b) {
			spans = append(spans, b[start:end])
		}
	}
	stmts := make([]*Statement, len(spans))
	share(len(spans), freed, func(i int) {
		if s, err := decodeStatement(spans[i], false); err == nil && s.Cell == cell {
			stmts[i] = s
		}
	})
	found := map[StatementID]*prechecked{}
	for _, s := range stmts {
		if s != nil {
			found[s.id] = &prechecked{stmt: s}
		}
	}
	return found
}

// precheck finds the statements of c's cell in input and checks the
// signatures of those whose author's card c or input holds. The caller
// runs it while the worker checks input, and closes freed when the worker
// is done; c is not changed.
func (c *Cell) precheck(input []byte, freed <-chan struct{}) map[StatementID]*prechecked {
	found := findStatements(c.ID(), input, freed)
	if len(found) == 0 {
		return nil
	}
	cards := map[identity.ID]*identity.Card{}
	for id, card := range c.State().Cards {
		cards[id] = card
	}
	for _, p := range found {
		if card := p.stmt.Card; card != nil {
			keepNewer(cards, card)
		}
	}
	list := make([]*prechecked, 0, len(found))
	for _, p := range found {
		list = append(list, p)
	}
	share(len(list), freed, func(i int) {
		p := list[i]
		if card := cards[p.stmt.Author]; card != nil && p.stmt.Verify(card) == nil {
			p.key = card.SigningKey
		}
	})
	return found
}

// share calls f(0) ... f(n-1) on one goroutine per processor but one,
// leaving a processor to the worker process (which would otherwise wait
// for its share of the processors and finish last), and on one more once
// freed is closed.
func share(n int, freed <-chan struct{}, f func(i int)) {
	var next atomic.Int64
	taken := make(chan struct{}) // closed when every index is taken
	var once sync.Once
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				once.Do(func() { close(taken) })
				return
			}
			f(i)
		}
	}
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)-1) {
		wg.Go(work)
	}
	wg.Go(func() {
		select {
		case <-freed:
			work()
		case <-taken:
		}
	})
	wg.Wait()
}
