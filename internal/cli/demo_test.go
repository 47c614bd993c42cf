package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"trustdesk/internal/demo"
)

// demo runs "trustdesk demo ARGS" (--home only where ARGS say so).
func (w *world) demo(args ...string) result {
	w.t.Helper()
	return w.runArgs(append([]string{"demo"}, args...)...)
}

func TestDemo(t *testing.T) {
	w := newWorld(t)
	w.vars["TRUSTDESK_PASSPHRASE"] = "something else"
	r := w.demo("--home", w.home)
	if r.code != 0 {
		t.Fatalf("demo: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"You are Mara", "Tomas", "Kit is flagged unsafe", "Rook", "Bea",
		"The passphrase is:  demo", "trustdesk --home " + w.home + "\n",
		"trustdesk --home " + w.home + " rep Kit",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if len([]rune(line)) > 100 {
			t.Errorf("line too long: %q", line)
		}
	}

	// The home opens with the passphrase it printed and shows the world.
	w.fails(1, "cell", "list")
	w.vars["TRUSTDESK_PASSPHRASE"] = demo.Passphrase
	cells := w.ok("cell", "list")
	for _, name := range []string{"Night market stalls", "Ride share north", "Clinic volunteers"} {
		if !strings.Contains(cells, name) {
			t.Errorf("cell list lacks %s:\n%s", name, cells)
		}
	}
	if rep := w.ok("rep", "Kit"); !strings.Contains(rep, "Warning: 3 people you trust felt unsafe") {
		t.Errorf("rep Kit:\n%s", rep)
	}
	// Every command of the closing hint works as printed (but for the
	// first, which opens the app).
	hints := 0
	for _, line := range strings.Split(r.stdout, "\n") {
		cmd, ok := strings.CutPrefix(line, "  trustdesk ")
		if !ok {
			continue
		}
		args, err := shellWords(cmd)
		if err != nil {
			t.Fatalf("hint %q: %v", line, err)
		}
		if len(args) == 2 { // --home DIR: opens the app
			continue
		}
		if got := w.runArgs(args...); got.code != 0 || got.stdout == "" {
			t.Errorf("hint %q: exit %d, %q", line, got.code, got.stderr)
		}
		hints++
	}
	if hints < 5 {
		t.Errorf("the demo printed %d commands to try, want 5:\n%s", hints, r.stdout)
	}
	if !regexp.MustCompile(`\nPlaying its 8 months: 1 2 3 4 5 6 7 8\n`).MatchString(r.stdout) {
		t.Errorf("the demo did not count its months:\n%s", r.stdout)
	}

	// A second demo into the same home changes nothing.
	before := w.ok("contact", "list")
	if r := w.demo("--home", w.home); r.code != 1 || !strings.Contains(r.stderr, "untouched") {
		t.Fatalf("second demo: exit %d, %q", r.code, r.stderr)
	}
	if after := w.ok("contact", "list"); after != before {
		t.Errorf("contacts changed:\n%s\n%s", before, after)
	}
}

func TestDemoRefusesUsedHome(t *testing.T) {
	w := newWorld(t)
	w.ok("init", "--name", "Ana")
	r := w.demo("--home", w.home)
	if r.code != 1 || !strings.Contains(r.stderr, "untouched") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("demo into a used home: exit %d, %q", r.code, r.stderr)
	}
	if card := w.ok("card", "--json"); !strings.Contains(card, `"pseudonym": "Ana"`) {
		t.Fatalf("the identity changed: %s", card)
	}
	if r := w.demo("--home", w.home, "extra"); r.code != 2 {
		t.Fatalf("demo with an argument: exit %d", r.code)
	}
}

func TestDemoDefaultFolder(t *testing.T) {
	// Without --home the demo goes next to the personal data folder, not
	// into it: an identity made there first makes the demo refuse.
	w := newWorld(t)
	user := t.TempDir()
	w.vars["HOME"] = user
	demoHome, err := DemoHome(func(k string) string { return w.vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if own, _ := DefaultHome(func(k string) string { return w.vars[k] }); own == demoHome || filepath.Dir(own) != filepath.Dir(demoHome) {
		t.Fatalf("demo folder %s, own folder %s", demoHome, own)
	}
	w.home = demoHome
	w.ok("init", "--name", "Ana")
	if r := w.demo(); r.code != 1 || !strings.Contains(r.stderr, "untouched") {
		t.Fatalf("demo without --home: exit %d, %q", r.code, r.stderr)
	}
}
