package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCellCommands(t *testing.T) {
	w := newWorld(t)
	w.ok("init", "--name", "Ana")
	w.ok("contact", "add", otherCard(t, "Bo").String(), "--verified")
	w.ok("contact", "add", otherCard(t, "Cy").String())
	w.ok("contact", "add", otherCard(t, "Dee Cheat").String())

	said := w.ok("cell", "new", "Night", "shift")
	m := regexp.MustCompile(`^Started the cell "Night shift" .*\(id ([0-9a-f]{32})\)\.\n$`).FindStringSubmatch(said)
	if m == nil {
		t.Fatalf("cell new printed %q, want a sentence with the id", said)
	}
	id := m[1]
	w.ok("cell", "admit", "night", "bo")
	w.ok("cell", "admit", id[:6], "cy", "--yes")
	w.fails(1, "cell", "admit", "night", "bo") // already invited by me
	w.fails(1, "cell", "admit", "nowhere", "bo")

	var cell cellJSON
	if err := json.Unmarshal([]byte(w.ok("cell", "show", "Night shift", "--json")), &cell); err != nil {
		t.Fatal(err)
	}
	if cell.ID != id || cell.Name != "Night shift" || len(cell.Members) != 3 {
		t.Fatalf("cell show --json = %+v", cell)
	}
	byName := map[string]memberJSON{}
	for _, m := range cell.Members {
		byName[m.Name] = m
	}
	// Bo is invited until he accepts on his own device.
	if byName["you"].Status != "member" || byName["Bo"].Status != "invited" || len(byName["Bo"].VouchedBy) != 1 || byName["Bo"].VouchedBy[0] != "you" {
		t.Fatalf("members = %+v", cell.Members)
	}

	// Without --cell a rating goes only to cells both are members of; Bo
	// has not accepted yet, so his cell is named.
	w.fails(1, "rate", "bo", "--safety", "5", "--reliability", "4")
	w.ok("rate", "bo", "--safety", "5", "--reliability", "4", "--tags", "on time, kind", "--note", "helped at the market", "--cell", "night")
	w.fails(1, "rate", "dee", "--safety", "1", "--reliability", "1")
	w.ok("rate", "dee", "--safety", "1", "--reliability", "2", "--cell", "night", "--note", "took the money and ran")
	w.fails(2, "rate", "bo", "--safety", "5")
	w.fails(1, "rate", "bo", "--safety", "9", "--reliability", "4")
	w.fails(1, "rate", "bo", "--safety", "4", "--reliability", "4", "--note", strings.Repeat("x", 281))
	// Attack 8: a day in the future, hidden characters in a note or tag.
	if msg := w.fails(1, "rate", "bo", "--safety", "5", "--reliability", "5", "--day", "2099-12-31"); !strings.Contains(msg, "2099-12-31 is after") {
		t.Fatalf("rate --day 2099-12-31: %q", msg)
	}
	// A day that is not on the calendar says so ("day must be YYYY-MM-DD"
	// was wrong for a day written that way).
	if msg := w.fails(1, "rate", "bo", "--safety", "5", "--reliability", "5", "--day", "2026-02-30"); !strings.Contains(msg, `day "2026-02-30" is not a date written YYYY-MM-DD`) {
		t.Fatalf("rate --day 2026-02-30: %q", msg)
	}
	w.fails(1, "rate", "bo", "--safety", "5", "--reliability", "5", "--note", "fine\u202e")
	w.fails(1, "rate", "bo", "--safety", "5", "--reliability", "5", "--tags", "on\u200btime")
	w.fails(1, "cell", "new", "Night\u200bshift")
	json.Unmarshal([]byte(w.ok("cell", "show", "night", "--json")), &cell)
	if cell.Ratings != 2 {
		t.Fatalf("ratings = %d, want 2", cell.Ratings)
	}

	// I am the only member: my vote takes Cy's invitation back for good.
	out := w.ok("cell", "exclude", "night", "cy")
	if !strings.Contains(out, "Cy is excluded") {
		t.Fatalf("exclude said %q", out)
	}
	json.Unmarshal([]byte(w.ok("cell", "show", "night", "--json")), &cell)
	for _, m := range cell.Members {
		if m.Name == "Cy" && m.Status != "excluded" {
			t.Fatalf("the only member's vote did not exclude Cy: %+v", m)
		}
	}
	w.fails(1, "cell", "exclude", "night", "cy") // excluded already

	w.ok("cell", "policy", "night", "--admit-vouches", "2")
	if out := w.ok("cell", "policy", "night"); !strings.Contains(out, "2 vouch") {
		t.Fatalf("policy = %q", out)
	}
	w.fails(1, "cell", "policy", "night", "--admit-vouches", "0")

	list := w.ok("cell", "list")
	if !strings.Contains(list, "Night shift") {
		t.Fatalf("cell list = %q", list)
	}
	// The person rated in the cell is known; the card list shows introduced people too.
	doc := filepath.Join(t.TempDir(), "night.automerge")
	w.ok("cell", "export-doc", "night", "--out", doc)
	insp := w.ok("inspect", doc)
	if !strings.Contains(insp, "Night shift") || !strings.Contains(insp, "rate") {
		t.Fatalf("inspect = %q", insp)
	}
	var ij inspectJSON
	json.Unmarshal([]byte(w.ok("inspect", doc, "--json")), &ij)
	if ij.Kind != "cell document" || ij.CellID != id || len(ij.Statements) < 6 {
		t.Fatalf("inspect --json = %+v", ij)
	}
	w.ok("cell", "leave", "night")
	w.fails(1, "rate", "bo", "--safety", "5", "--reliability", "5", "--cell", "night")
	if out := w.ok("cell", "show", "night"); !strings.Contains(out, "You: left") {
		t.Fatalf("after leaving: %q", out)
	}
}

func TestInspectCardAndUnknown(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	card := filepath.Join(dir, "card.txt")
	os.WriteFile(card, []byte(otherCard(t, "Bo").String()+"\n"), 0o600)
	if out := w.ok("inspect", card); !strings.Contains(out, `"Bo"`) {
		t.Fatalf("inspect card = %q", out)
	}
	junk := filepath.Join(dir, "junk")
	os.WriteFile(junk, []byte("hello world"), 0o600)
	w.fails(1, "inspect", junk)
	w.fails(1, "inspect", filepath.Join(dir, "missing"))
}

// TestCrashersRefused feeds every input known to abort the Automerge engine
// to inspect: each one is refused with one sentence, and the process lives.
func TestCrashersRefused(t *testing.T) {
	files, _ := filepath.Glob("../../crdt/testdata/automerge-crashers/*.bin")
	if len(files) < 31 {
		t.Fatalf("crasher corpus has %d files, want 31", len(files))
	}
	w := newWorld(t)
	for _, f := range files {
		msg := w.fails(1, "inspect", f)
		if !strings.Contains(msg, "damaged") {
			t.Errorf("%s: %q", filepath.Base(f), msg)
		}
	}
}

// TestDeclinedInvitationStaysOut: a turned-down invitation stays out when
// the inviter's next sync file brings the cell again; cell list
// --declined lists it and cell reconsider takes the answer back.
func TestDeclinedInvitationStaysOut(t *testing.T) {
	ws := pair(t, "Ana", "Bo")
	ana, bo := ws[0], ws[1]
	said := bo.ok("cell", "new", "Garden")
	id := said[strings.LastIndex(said, "(id ")+4 : strings.LastIndex(said, ")")]
	bo.ok("cell", "admit", id, "ana")
	f := filepath.Join(t.TempDir(), "to-ana")
	bo.ok("export", "--to", "ana", "--out", f)
	ana.ok("import", f)
	ana.ok("cell", "decline", "garden")
	if out := ana.ok("import", f); !strings.Contains(out, "1 invitation you turned down was left out") {
		t.Errorf("import after declining said %q", out)
	}
	if out := ana.ok("cell", "list"); strings.Contains(out, "Garden") {
		t.Errorf("the turned-down cell came back: %q", out)
	}
	if out := ana.ok("cell", "list", "--declined"); !strings.Contains(out, "Garden") || !strings.Contains(out, "from Bo") {
		t.Errorf("cell list --declined said %q", out)
	}
	ana.ok("cell", "reconsider", "garden")
	if out := ana.ok("import", f); !strings.Contains(out, "invitation for you to join") {
		t.Errorf("import after reconsidering said %q", out)
	}
	ana.ok("cell", "join", "garden")
}

// TestTurnDownEverythingFrom: cell decline --from turns down every
// invitation from someone, now and later; cell list --declined lists
// them; cell reconsider --from shows their invitations again.
func TestTurnDownEverythingFrom(t *testing.T) {
	ws := pair(t, "Ana", "Bo")
	ana, bo := ws[0], ws[1]
	bo.ok("cell", "new", "Garden")
	bo.ok("cell", "admit", "garden", "ana")
	f := filepath.Join(t.TempDir(), "to-ana")
	bo.ok("export", "--to", "ana", "--out", f)
	ana.ok("import", f)
	if out := ana.ok("cell", "decline", "--from", "bo"); !strings.Contains(out, "You turned down everything from Bo: 1 invitation waiting went") {
		t.Errorf("cell decline --from said %q", out)
	}
	ana.fails(2, "cell", "decline", "garden", "--from", "bo")
	bo.ok("cell", "new", "Orchard")
	bo.ok("cell", "admit", "orchard", "ana")
	bo.ok("export", "--to", "ana", "--out", f)
	if out := ana.ok("import", f); !strings.Contains(out, "2 invitations from Bo were left out: you turned down everything from them") {
		t.Errorf("import said %q", out)
	}
	if out := ana.ok("cell", "list", "--declined"); !strings.Contains(out, "everything from Bo, turned down") {
		t.Errorf("cell list --declined said %q", out)
	}
	if out := ana.ok("cell", "reconsider", "--from", "bo"); !strings.Contains(out, "invitations from Bo again") {
		t.Errorf("cell reconsider --from said %q", out)
	}
	if out := ana.ok("import", f); strings.Count(out, "invitation for you to join") != 2 {
		t.Errorf("import after reconsidering said %q", out)
	}
}
