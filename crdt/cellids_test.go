package crdt

import (
	crand "crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"trustdesk/identity"
)

// The ids of a cell's statements hash its cell id, so the cell id a test
// founds sets the total order of its concurrent statements (§4.3), which
// the attacker of issue 12 chooses by grinding ids. The hand-built attack
// tests found their cell with fixed ids, never a random one: CI sees the
// same orders on every run, and eachCellID runs a test under several of
// them, so an outcome that holds for some orders only fails every time.

var (
	cellIDs     = flag.Int("crdt.cellids", 8, "number of fixed cell ids eachCellID runs a hand-built attack test under (each sets another order of the concurrent statements)")
	cellIDsFrom = flag.Int("crdt.cellidsfrom", 0, "first of the fixed cell ids: eachCellID runs ids from it on, and a test outside eachCellID founds its cell with it (a long run can look at other orders)")

	// cellNonces holds, by subtest name, the nonce eachCellID set.
	cellNonces sync.Map
)

// cellNonce returns the nonce of the i-th fixed cell id.
func cellNonce(i int) [16]byte {
	var n [16]byte
	binary.LittleEndian.PutUint64(n[:], uint64(i))
	copy(n[8:], "cell ids")
	return n
}

// eachCellID runs body as one subtest per fixed cell id, cellN, from
// -crdt.cellidsfrom on, -crdt.cellids of them. Cells the body founds with
// testCell (hostileCell, votedOut) get that id.
func eachCellID(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	for i := *cellIDsFrom; i < *cellIDsFrom+*cellIDs; i++ {
		t.Run(fmt.Sprintf("cell%d", i), func(t *testing.T) {
			cellNonces.Store(t.Name(), cellNonce(i))
			defer cellNonces.Delete(t.Name())
			body(t)
		})
	}
}

// testCellNonce returns the nonce of the cell a test founds: the one
// eachCellID set for the test or a subtest enclosing it, otherwise the
// fixed id -crdt.cellidsfrom.
func testCellNonce(t testing.TB) [16]byte {
	for name := t.Name(); ; {
		if n, ok := cellNonces.Load(name); ok {
			return n.([16]byte)
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			return cellNonce(*cellIDsFrom)
		}
		name = name[:i]
	}
}

// fixedIdentity returns a test identity made from a fixed seed, from
// -crdt.people and tag (tag 0 is person's), with fresh keys when
// -crdt.people is 0: its id, which sets orders and breaks ties of
// seniority, is then the same on every run. The caller makes it once.
func fixedIdentity(name string, tag uint64) *identity.Identity {
	var r io.Reader = crand.Reader
	if *peopleSeed != 0 {
		var seed [32]byte
		binary.LittleEndian.PutUint64(seed[:], *peopleSeed)
		binary.LittleEndian.PutUint64(seed[8:], tag)
		r = mrand.NewChaCha8(seed)
	}
	return must(identity.NewFrom(name, t0, r))
}

// testCell founds a cell as Found does, with the test's fixed cell id.
func testCell(t testing.TB, founder *identity.Identity, name string, now time.Time) *Cell {
	t.Helper()
	return must(found(founder, name, now, testCellNonce(t)))
}

// TestEachCellIDOrdersBothWays: two ratings made on two devices without
// seeing each other come first in turn under eachCellID's ids (§4.3: the
// smaller id first), so the tests it runs see both orders of a pair of
// concurrent statements.
func TestEachCellIDOrdersBothWays(t *testing.T) {
	firsts := map[bool]int{}
	eachCellID(t, func(t *testing.T) {
		a, b := person(t, 0), person(t, 1)
		base, _ := hostileCell(t, 2)
		other := must(Load(base.Save()))
		x := must(base.Rate(a, b.Card, rating(2, 2), t0))
		y := must(other.Rate(b, a.Card, rating(4, 4), t0))
		firsts[compareIDs(x.id, y.id) < 0]++
	})
	if firsts[true] == 0 || firsts[false] == 0 {
		t.Fatalf("under %d cell ids, Ana's rating came first %d times and Bo's %d: the tests see one order only", *cellIDs, firsts[true], firsts[false])
	}
}
