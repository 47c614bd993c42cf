package testenv

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
	"time"
)

// KillTest skips a test of killed processes in short runs and under the
// race detector (n instrumented children take minutes; make crash runs
// these tests without it), and otherwise returns the test binary, to be
// started as the child.
func KillTest(t testing.TB, n int) string {
	t.Helper()
	if testing.Short() || Race {
		t.Skipf("slow: starts %d processes; run without -race and -short", n)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// KillLoop runs a child process n times and kills most runs with SIGKILL
// at a random moment, for tests of what a crash leaves behind. start(i)
// returns run i's command, not started. Every fourth run (the first among
// them) goes to the end, so that the loop knows how long a run takes now;
// the others are killed at a random moment up to 1.5 times that, drawn
// from seed. After each run, check(i, finished) looks at what it left.
// A run that ends with an error fails the test, and so does a loop in
// which fewer than 10 runs were killed or fewer than 10 finished: the
// kills did not land at varied moments. what names a run in messages.
func KillLoop(t testing.TB, what string, n int, seed uint64, start func(i int) *exec.Cmd, check func(i int, finished bool)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	killed, finished := 0, 0
	var full time.Duration
	for i := 1; i <= n; i++ {
		cmd := start(i)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		wait := time.Hour
		if i%4 != 1 {
			wait = time.Duration(rng.Int64N(int64(full) * 3 / 2))
		}
		began := time.Now()
		ended := false
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s %d failed: %v", what, i, err)
			}
			finished++
			ended = true
			full = time.Since(began)
		case <-time.After(wait):
			cmd.Process.Kill()
			<-done
			killed++
		}
		check(i, ended)
	}
	t.Logf("%d of %d runs (%s) killed, %d finished; the last full run took %v", killed, n, what, finished, full)
	if killed < 10 || finished < 10 {
		t.Fatalf("kills did not land at varied moments: %d killed, %d finished", killed, finished)
	}
}
