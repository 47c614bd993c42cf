package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"trustdesk/internal/testenv"
)

// TestBinary builds the real program and checks what a person sees in a
// terminal: one plain line on an error, even under the C locale that the
// GUI toolkit cannot parse, and the usage with exit 2 on bad usage.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole program")
	}
	bin := filepath.Join(t.TempDir(), "trustdesk")
	args := []string{"build", "-o", bin}
	if testenv.Race {
		args = append(args, "-race") // reuses what go test -race compiled
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	home := t.TempDir()
	run := func(env []string, args ...string) (int, string, string) {
		cmd := exec.Command(bin, append([]string{"--home", home}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), out.String(), errb.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, out.String(), errb.String()
	}
	for _, lang := range []string{"C.UTF-8", "C", "POSIX", "en_US.UTF-8"} {
		code, _, stderr := run([]string{"LANG=" + lang, "LC_ALL="}, "card")
		if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "trustdesk init") {
			t.Errorf("LANG=%s: exit %d, stderr %q; want exit 1 and one line", lang, code, stderr)
		}
	}
	if code, _, stderr := run([]string{"DISPLAY=", "WAYLAND_DISPLAY="}); code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "no screen") {
		t.Errorf("no screen: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := run(nil, "frobnicate"); code != 2 || !strings.Contains(stderr, "Usage") {
		t.Errorf("bad usage: exit %d, stderr %q", code, stderr)
	}
	code, stdout, _ := run([]string{"TRUSTDESK_PASSPHRASE=pw"}, "init", "--name", "Ana")
	if code != 0 || !strings.Contains(stdout, "Ana") {
		t.Fatalf("init: exit %d, %q", code, stdout)
	}
	// The real binary serves as its own checking worker.
	doc := filepath.Join(t.TempDir(), "cell")
	run([]string{"TRUSTDESK_PASSPHRASE=pw"}, "cell", "new", "Night")
	if code, _, stderr := run([]string{"TRUSTDESK_PASSPHRASE=pw"}, "cell", "export-doc", "night", "--out", doc); code != 0 {
		t.Fatalf("export-doc: %s", stderr)
	}
	if code, stdout, stderr := run(nil, "inspect", doc); code != 0 || !strings.Contains(stdout, "Night") {
		t.Fatalf("inspect through the worker: exit %d %q %q", code, stdout, stderr)
	}
	crasher, _ := filepath.Abs("../../crdt/testdata/automerge-crashers/EXIT-746.bin")
	if code, _, stderr := run(nil, "inspect", crasher); code != 1 || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("a crasher: exit %d, stderr %q", code, stderr)
	}
}
