package store

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"testing"
	"time"

	"trustdesk/internal/testenv"
)

// TestMain lets the test binary serve as the child of
// TestChangePassphraseKilled.
func TestMain(m *testing.M) {
	if home := os.Getenv("TRUSTDESK_TEST_REKEY_HOME"); home != "" {
		os.Exit(rekeyChild(home))
	}
	if home := os.Getenv("TRUSTDESK_TEST_HOLD_HOME"); home != "" {
		os.Exit(holdChild(home))
	}
	os.Setenv("GORACE", "atexit_sleep_ms=0")
	os.Exit(m.Run())
}

// The two passphrases TestChangePassphraseKilled switches between.
var crashPass = [2][]byte{[]byte("first passphrase"), []byte("second passphrase")}

// openEither opens dir with whichever of the two passphrases opens it and
// says which one that was.
func openEither(dir string) (*DB, int, error) {
	for i, p := range crashPass {
		db, err := Open(dir, p, testOpt)
		if errors.Is(err, ErrWrongPassphrase) {
			continue
		}
		return db, i, err
	}
	return nil, 0, errors.New("neither passphrase opens the store")
}

// rekeyChild changes the passphrase of the store in home to the other one;
// TestChangePassphraseKilled kills it at a random moment.
func rekeyChild(home string) int {
	db, i, err := openEither(home)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	if err := db.ChangePassphrase(crashPass[1-i]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestChangePassphraseKilled kills processes changing the passphrase with
// SIGKILL at random moments, 40 times. Afterwards the store always opens
// with exactly one of the two passphrases, passes the integrity check and
// reads every record as before.
func TestChangePassphraseKilled(t *testing.T) {
	exe := testenv.KillTest(t, 40)
	home := t.TempDir()
	db, err := Create(home, crashPass[0], testOpt)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *Tx) error {
		for i := range 1500 {
			v := fmt.Sprintf("%0200d", i)
			if err := tx.Put(fmt.Sprintf("b%d", i%4), []byte{byte(i % 7)}, fmt.Appendf(nil, "k%d", i), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := dump(t, db)
	db.Close()

	have := 0
	start := func(int) *exec.Cmd {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "TRUSTDESK_TEST_REKEY_HOME="+home)
		return cmd
	}
	testenv.KillLoop(t, "passphrase change", 40, 17, start, func(i int, finished bool) {
		db, got, err := openEither(home)
		if err != nil {
			t.Fatalf("change %d: the store does not open after a kill: %v", i, err)
		}
		defer db.Close()
		if err := db.Check(); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(dump(t, db), want) {
			t.Fatalf("change %d: the records read differently", i)
		}
		if finished && got == have {
			t.Fatalf("change %d finished but the old passphrase still opens the store", i)
		}
		have = got
	})
}

// holdChild opens the store in home, begins a write, says so on stdout
// and waits inside it: TestKilledWhileWriting kills it there.
func holdChild(home string) int {
	db, err := Open(home, crashPass[0], testOpt)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	err = db.Update(func(tx *Tx) error {
		if err := tx.Put("b", nil, []byte("child"), []byte("never")); err != nil {
			return err
		}
		fmt.Println("holding")
		time.Sleep(time.Minute)
		return nil
	})
	fmt.Fprintln(os.Stderr, err)
	return 1
}

// TestKilledWhileWriting: a program killed while it holds the home's
// write lock (the command line, closed by the user mid-change) leaves no
// lock behind: another program writes at once, without waiting for a
// timeout, and nothing of the killed write is stored.
func TestKilledWhileWriting(t *testing.T) {
	exe := testenv.KillTest(t, 1)
	home := t.TempDir()
	db, err := Create(home, crashPass[0], testOpt)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "TRUSTDESK_TEST_HOLD_HOME="+home)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, len("holding"))
	if _, err := io.ReadFull(out, line); err != nil || string(line) != "holding" {
		cmd.Process.Kill()
		t.Fatalf("the child did not begin its write: %q, %v", line, err)
	}
	was := busyTimeout
	busyTimeout = 200 // the write lock held: this write fails
	t.Cleanup(func() { busyTimeout = was })
	db, err = Open(home, crashPass[0], testOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *Tx) error { return nil }); !errors.Is(err, ErrBusy) {
		t.Fatalf("a write while the child holds the lock: %v", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if err := db.Update(func(tx *Tx) error { return tx.Put("b", nil, []byte("parent"), []byte("v")) }); err != nil {
		t.Fatalf("a write after the child was killed holding the lock: %v", err)
	}
	if _, err := get(t, db, "b", "", "child"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the killed write was stored: %v", err)
	}
}
