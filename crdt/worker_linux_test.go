package crdt

import (
	"context"
	"errors"
	"syscall"
	"testing"
)

// TestCheckerCrashInBigProcess: a crash is "damaged" even when this process
// is big. Linux counts the memory of the process that starts the worker
// in the worker's peak, so a parent past half the worker's limit made
// every crash "could not check: memory limit reached".
func TestCheckerCrashInBigProcess(t *testing.T) {
	ch := testChecker(t)
	const size = DefaultCheckMemory/2 + 64<<20
	// Outside Go's heap, so that -race adds nothing to it, and filled
	// by the kernel at once.
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE|syscall.MAP_POPULATE)
	if err != nil {
		t.Skipf("cannot map %d MiB: %v", size>>20, err)
	}
	defer syscall.Munmap(mem)
	if selfPeak() < size {
		t.Fatalf("peak %d MiB, want at least %d", selfPeak()>>20, size>>20)
	}
	for name, b := range crashers(t) {
		if _, err := ch.CheckDocument(context.Background(), nil, b); !errors.Is(err, ErrDamaged) {
			t.Fatalf("%s: %v", name, err)
		}
		break
	}
	// A worker that dies saying nothing, while this process is past half
	// its limit, could have run out of memory: not "damaged".
	ch.MemoryLimit = 1 << 20
	doc := must(Found(person(t, 0), "Cell", t0)).Save()
	if _, err := ch.CheckDocument(context.Background(), nil, doc); !errors.Is(err, ErrCouldNotCheck) {
		t.Fatalf("a worker allowed 1 MiB: %v", err)
	}
}
