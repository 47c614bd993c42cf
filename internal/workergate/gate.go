// Package workergate holds up the checking worker in tests, so a test can
// see what the rest of the program does while a sync file is being checked
// in the child process (as with a slow or stuck worker).
//
// A test makes a [Gate], passes [Gate.Env] to the [crdt.Checker] of the
// service under test, and the test binary's TestMain is [Main], which lets
// the binary serve as the worker and calls [WaitIfGated] first. A worker
// then writes a note that it is waiting ([Gate.Waiting] returns once it
// did) and waits until [Gate.Open].
//
// [crdt.Checker]: trustdesk/crdt.Checker
package workergate

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// variable names the gate's file in the worker's environment. It does not
// start with TRUSTDESK_, which the checker leaves out of the worker's
// environment.
const variable = "TDTEST_WORKER_GATE"

// WaitIfGated waits, in a worker started with a gate, until the gate
// opens (at most a minute). Without a gate it returns at once.
func WaitIfGated() {
	path := os.Getenv(variable)
	if path == "" {
		return
	}
	_ = os.WriteFile(path+".waiting", nil, 0o600)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Gate holds up the workers started with its Env.
type Gate struct {
	t    testing.TB
	path string
}

// New returns a closed gate; it opens when the test ends.
func New(t testing.TB) *Gate {
	g := &Gate{t: t, path: filepath.Join(t.TempDir(), "gate")}
	t.Cleanup(g.Open)
	return g
}

// Env is the environment to give the checker's workers.
func (g *Gate) Env() []string { return []string{variable + "=" + g.path} }

// Waiting returns once a worker waits at the gate.
func (g *Gate) Waiting() {
	g.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if _, err := os.Stat(g.path + ".waiting"); err == nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	g.t.Fatal("no checking worker started")
}

// Open lets every worker through.
func (g *Gate) Open() { _ = os.WriteFile(g.path, nil, 0o600) }

// Close holds the next workers up again.
func (g *Gate) Close() {
	_ = os.Remove(g.path)
	_ = os.Remove(g.path + ".waiting")
}

// BlockedFor runs call, as a screen would on the UI goroutine, and returns
// how long it took. A call that takes longer than limit is run once more
// and the second time counts: a busy machine may delay one call, but a
// call that waits for the held-up worker waits again.
func BlockedFor(t testing.TB, what string, limit time.Duration, call func() error) time.Duration {
	t.Helper()
	var took time.Duration
	for range 2 {
		start := time.Now()
		if err := call(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if took = time.Since(start); took <= limit {
			break
		}
	}
	return took
}
