package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"trustdesk/core"
	"trustdesk/identity"
	"trustdesk/internal/words"
)

// world is a fake environment around one data folder.
type world struct {
	t    *testing.T
	home string
	vars map[string]string
	// confirm, if set, stands for a terminal that answers questions.
	confirm func(prompt, answer string) (bool, error)
}

func newWorld(t *testing.T) *world {
	return &world{t: t, home: filepath.Join(t.TempDir(), "home"), vars: map[string]string{"TRUSTDESK_PASSPHRASE": "correct horse"}}
}

type result struct {
	code           int
	stdout, stderr string
}

func (w *world) run(args ...string) result {
	w.t.Helper()
	return w.runArgs(append([]string{"--home", w.home}, args...)...)
}

// runArgs runs trustdesk with exactly args (no --home added).
func (w *world) runArgs(args ...string) result {
	w.t.Helper()
	var out, errb bytes.Buffer
	env := &Env{
		Stdin:   strings.NewReader(""),
		Stdout:  &out,
		Stderr:  &errb,
		Getenv:  func(k string) string { return w.vars[k] },
		Confirm: w.confirm,
		Options: core.Options{WorkFactor: 10},
	}
	code := Run(args, env)
	return result{code, out.String(), errb.String()}
}

// ok runs a command that must succeed and returns its output.
func (w *world) ok(args ...string) string {
	w.t.Helper()
	r := w.run(args...)
	if r.code != 0 {
		w.t.Fatalf("trustdesk %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// fails runs a command that must fail with code and one line on stderr.
func (w *world) fails(code int, args ...string) string {
	w.t.Helper()
	r := w.run(args...)
	if r.code != code {
		w.t.Fatalf("trustdesk %s: exit %d, want %d (stdout %q, stderr %q)", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	if code == 1 && strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		w.t.Fatalf("trustdesk %s: want one line on stderr, got %q", strings.Join(args, " "), r.stderr)
	}
	return r.stderr
}

func otherCard(t *testing.T, name string) *identity.Card {
	t.Helper()
	id, err := identity.New(name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return id.Card
}

var cardText = regexp.MustCompile(`^TD1[A-Z2-7]+$`)

func TestInitAndCard(t *testing.T) {
	w := newWorld(t)
	w.fails(1, "card") // no identity yet
	if out := w.ok("init", "--name", "Mirelda Oakthorn1234"); !strings.Contains(out, "Mirelda Oakthorn1234") {
		t.Fatalf("init said %q", out)
	}
	msg := w.fails(1, "init", "--name", "Someone Else")
	if !strings.Contains(msg, "already") {
		t.Fatalf("second init: %q", msg)
	}
	card := strings.TrimSpace(w.ok("card"))
	if !cardText.MatchString(card) || len(card) > 300 {
		t.Fatalf("card text %q (%d chars) is not a TD1 line of at most 300 characters", card, len(card))
	}
	var j map[string]any
	if err := json.Unmarshal([]byte(w.ok("card", "--json")), &j); err != nil {
		t.Fatal(err)
	}
	if j["pseudonym"] != "Mirelda Oakthorn1234" || j["text"] != card || len(j["id"].(string)) != 32 {
		t.Fatalf("card --json = %v", j)
	}
}

func TestUsageErrors(t *testing.T) {
	w := newWorld(t)
	for _, args := range [][]string{
		{"frobnicate"},
		{"init"},
		{"init", "--bogus"},
		{"contact"},
		{"contact", "frob"},
		{"backup"},
		{"card", "extra"},
	} {
		r := w.run(args...)
		if r.code != 2 || !strings.Contains(r.stderr, "Usage") && !strings.Contains(r.stderr, "Commands") {
			t.Errorf("%v: exit %d, stderr %q; want 2 with the usage", args, r.code, r.stderr)
		}
	}
}

func TestHelp(t *testing.T) {
	w := newWorld(t)
	top := w.ok("help")
	for _, c := range []string{"init", "card", "contact add", "contact verify", "backup", "restore", "wipe", "passphrase"} {
		if !strings.Contains(top, c) {
			t.Errorf("help does not list %q", c)
		}
	}
	for _, args := range [][]string{{"init", "--help"}, {"contact", "add", "--help"}, {"help", "contact", "show"}, {"contact", "--help"}} {
		if out := w.ok(args...); !strings.Contains(out, "Usage") && !strings.Contains(out, "Commands") {
			t.Errorf("%v printed %q", args, out)
		}
	}
	// No jargon in what a person reads.
	all := top
	for _, c := range commands() {
		all += c.help
		for _, s := range c.sub {
			all += s.help
		}
	}
	if w := words.Jargon.FindString(all); w != "" {
		t.Errorf("help text says %q", w)
	}
}

func TestWrongPassphraseChangesNothing(t *testing.T) {
	w := newWorld(t)
	w.ok("init", "--name", "Ana")
	w.ok("contact", "add", otherCard(t, "Bo").String())
	db := filepath.Join(w.home, "trustdesk.db")
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	w.vars["TRUSTDESK_PASSPHRASE"] = "wrong"
	if msg := w.fails(1, "contact", "add", otherCard(t, "Cy").String()); strings.TrimSpace(msg) != "trustdesk: Wrong passphrase: nothing was opened or changed; type it again (it comes from TRUSTDESK_PASSPHRASE when that is set)." {
		t.Fatalf("got %q", msg)
	}
	after, _ := os.ReadFile(db)
	if !bytes.Equal(before, after) {
		t.Fatal("a wrong passphrase changed the database")
	}
	w.vars["TRUSTDESK_PASSPHRASE"] = "correct horse"
	if out := w.ok("contact", "list"); strings.Contains(out, "Cy") || !strings.Contains(out, "Bo") {
		t.Fatalf("contacts after a refused command: %q", out)
	}
}

func TestNoPassphraseWithoutTerminal(t *testing.T) {
	w := newWorld(t)
	delete(w.vars, "TRUSTDESK_PASSPHRASE")
	if msg := w.fails(1, "init", "--name", "Ana"); !strings.Contains(msg, "TRUSTDESK_PASSPHRASE") {
		t.Fatalf("got %q", msg)
	}
}

func TestContactCommands(t *testing.T) {
	w := newWorld(t)
	w.ok("init", "--name", "Ana")
	mir := otherCard(t, "Mirelda Oakthorn")
	w.ok("contact", "add", mir.String())
	w.ok("contact", "add", otherCard(t, "Miranda").String(), "--name", "Randa", "--verified")
	// A card pasted with line breaks arrives in pieces.
	bo := otherCard(t, "Bo").String()
	w.ok("contact", "add", bo[:100], strings.ToLower(bo[100:]))

	var list []map[string]any
	if err := json.Unmarshal([]byte(w.ok("contact", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("list = %v", list)
	}
	byName := map[string]map[string]any{}
	for _, c := range list {
		for _, k := range []string{"id", "name", "pseudonym", "verified", "blocked"} {
			if _, ok := c[k]; !ok {
				t.Fatalf("contact list --json lacks %q: %v", k, c)
			}
		}
		byName[c["name"].(string)] = c
	}
	if byName["Randa"]["verified"] != "in-person" || byName["Randa"]["pseudonym"] != "Miranda" || byName["Bo"]["verified"] != "unverified" {
		t.Fatalf("list = %v", list)
	}

	show := w.ok("contact", "show", "Mire")
	if !strings.Contains(show, "Mirelda Oakthorn") || !regexp.MustCompile(`\d{5}  \d{5}  \d{5}  \d{5}`).MatchString(show) {
		t.Fatalf("show = %q", show)
	}
	var sj map[string]any
	json.Unmarshal([]byte(w.ok("contact", "show", "mirelda", "--json")), &sj)
	if code, _ := sj["safety_code"].(string); len(strings.ReplaceAll(code, " ", "")) != 60 {
		t.Fatalf("safety code %q", sj["safety_code"])
	}
	// "mi" matches Mirelda (pseudonym) and Miranda (pseudonym of Randa).
	if msg := w.fails(1, "contact", "show", "mi"); !strings.Contains(msg, "Mirelda Oakthorn") || !strings.Contains(msg, "Randa") {
		t.Fatalf("ambiguous: %q", msg)
	}
	w.fails(1, "contact", "show", "nobody")
	// It asks first; without a terminal it says what to do.
	if msg := w.fails(2, "contact", "verify", "Mirel"); !strings.Contains(msg, "Compare the safety code with them face to face") || !strings.Contains(msg, "add --yes to say it matched") {
		t.Errorf("verify without a terminal: %q", msg)
	}
	// --yes says the code matched: nothing says the card is not verified.
	if r := w.run("contact", "verify", "Mirel", "--yes"); r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "is now verified in person") {
		t.Errorf("verify --yes: exit %d, %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	w.ok("contact", "rename", "Mirel", "Old Mira")
	w.ok("contact", "block", "old mira")
	out := w.ok("contact", "list")
	if !strings.Contains(out, "Old Mira") || !strings.Contains(out, "blocked") || !strings.Contains(out, "verified in person") {
		t.Fatalf("list = %q", out)
	}
	w.ok("contact", "unblock", "old")
	w.ok("contact", "remove", "old")
	if out := w.ok("contact", "list"); strings.Contains(out, "Old Mira") {
		t.Fatalf("removed contact still listed: %q", out)
	}
	w.fails(1, "contact", "add", "TD1NOTACARD")
	w.fails(1, "contact", "add", strings.TrimSpace(w.ok("card")))

	// Same pseudonym, different card: a separate, unverified contact.
	w.ok("contact", "add", mir.String(), "--verified")
	out = w.ok("contact", "add", otherCard(t, "Mirelda Oakthorn").String())
	if !strings.Contains(out, "different card") {
		t.Fatalf("no warning for a namesake: %q", out)
	}
}

func TestBackupRestoreWipe(t *testing.T) {
	w := newWorld(t)
	w.ok("init", "--name", "Ana")
	w.ok("contact", "add", otherCard(t, "Bo").String(), "--verified")
	file := filepath.Join(t.TempDir(), "backup.td")
	w.ok("backup", "--out", file)

	w2 := newWorld(t)
	w2.ok("restore", file)
	if w2.ok("card") != w.ok("card") || !strings.Contains(w2.ok("contact", "list"), "Bo") {
		t.Fatal("restore lost data")
	}
	w2.fails(1, "restore", file) // not empty any more

	w3 := newWorld(t)
	w3.vars["TRUSTDESK_PASSPHRASE"] = "wrong"
	if msg := w3.fails(1, "restore", file); !strings.Contains(msg, "Wrong passphrase: nothing was opened or changed") {
		t.Fatalf("restore with a wrong passphrase: %q", msg)
	}

	w.vars["TRUSTDESK_NEW_PASSPHRASE"] = "battery staple"
	w.ok("passphrase")
	w.fails(1, "card")
	w.vars["TRUSTDESK_PASSPHRASE"] = "battery staple"
	w.ok("card")

	w.fails(2, "wipe") // no terminal to confirm on, and no --yes
	w.ok("wipe", "--yes")
	if entries, _ := os.ReadDir(w.home); len(entries) != 0 {
		t.Fatalf("wipe left %v", entries)
	}
	w.fails(1, "card")
}

func TestDefaultHome(t *testing.T) {
	env := map[string]string{"HOME": "/home/ana"}
	get := func(k string) string { return env[k] }
	got, err := DefaultHome(get)
	if err != nil {
		t.Fatal(err)
	}
	if want := "/home/ana/.local/share/trustdesk"; got != want && !strings.Contains(got, "Application Support") {
		t.Fatalf("DefaultHome = %s", got)
	}
	env["XDG_DATA_HOME"] = "/data"
	if got, _ := DefaultHome(get); got != "/data/trustdesk" && !strings.Contains(got, "Application Support") {
		t.Fatalf("with XDG_DATA_HOME: %s", got)
	}
	// TRUSTDESK_HOME is used when --home is absent.
	w := newWorld(t)
	w.vars["TRUSTDESK_HOME"] = w.home
	var out, errb bytes.Buffer
	code := Run([]string{"init", "--name", "Ana"}, &Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return w.vars[k] }, Options: core.Options{WorkFactor: 10}})
	if code != 0 || !core.HasIdentity(w.home) {
		t.Fatalf("TRUSTDESK_HOME ignored: %d %s", code, errb.String())
	}
}

func TestNoCommandOpensTheApp(t *testing.T) {
	w := newWorld(t)
	var got GUIRequest
	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return w.vars[k] },
		OpenGUI: func(r GUIRequest) error { got = r; return nil }}
	if code := Run([]string{"--home", w.home}, env); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got.Home != w.home || string(got.Passphrase) != "correct horse" {
		t.Fatalf("the app was opened with %+v", got)
	}
	env.OpenGUI = nil
	if code := Run([]string{"--home", w.home}, env); code != 2 {
		t.Fatalf("without a desktop app: exit %d", code)
	}
}

// TestWriteToAFolder: "backup --out DIR" (and every --out that takes a
// file) with the name of a folder says so in one plain line and leaves
// nothing behind; it wrote the backup beside the folder and then failed
// with "Rename /.trustdesk-3925257885 /tmp: file exists". Reading a
// folder as a sync file says the same.
func TestWriteToAFolder(t *testing.T) {
	w := newWorld(t)
	w.ok("init", "--name", "Ana")
	parent := t.TempDir()
	dir := filepath.Join(parent, "stick")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"backup", "--out", dir}, {"card", "--qr", dir}, {"import", dir}} {
		msg := w.fails(1, args...)
		if !strings.Contains(msg, "That is a folder, not a file") {
			t.Errorf("trustdesk %s: %q", strings.Join(args, " "), msg)
		}
	}
	left, _ := os.ReadDir(parent)
	if len(left) != 1 {
		t.Errorf("files left beside the folder: %v", left)
	}
}
