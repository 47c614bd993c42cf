package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestLostLaptopWalk is the whole walk from the command line: Ana chooses
// three guardians needing two and sends them their pieces; her laptop is
// lost; on a new one she makes a temporary card; one guardian's file does
// not bring her card back, a second does, with the same id; and a
// guardian alone, on a device of their own, learns nothing usable.
func TestLostLaptopWalk(t *testing.T) {
	ws := pair(t, "Ana", "Bo", "Cy", "Di")
	ana, bo, cy, di := ws[0], ws[1], ws[2], ws[3]
	var before cardJSON
	json.Unmarshal([]byte(ana.ok("card", "--json")), &before)

	ana.fails(2, "guardians", "set", "bo")
	out := ana.ok("guardians", "set", "bo", "cy", "di")
	if !strings.Contains(out, "2 of 3 needed") || strings.Count(out, "not yet") != 3 {
		t.Fatalf("guardians set = %q", out)
	}
	dir := t.TempDir()
	for _, g := range []struct {
		w    *world
		name string
	}{{bo, "bo"}, {cy, "cy"}, {di, "di"}} {
		file := filepath.Join(dir, "to-"+g.name)
		if out := ana.ok("export", "--to", g.name, "--out", file); !strings.Contains(out, "recovery pieces only") {
			t.Fatalf("export to %s = %q", g.name, out)
		}
		if out := g.w.ok("import", file); !strings.Contains(out, "you hold a recovery piece for Ana now") {
			t.Fatalf("%s import = %q", g.name, out)
		}
		if out := g.w.ok("guardians", "list"); !strings.Contains(out, "You hold a recovery piece for Ana.") {
			t.Fatalf("%s guardians list = %q", g.name, out)
		}
	}
	// Bo answers: his piece has reached him.
	back := filepath.Join(dir, "from-bo")
	bo.ok("export", "--to", "ana", "--out", back)
	if out := ana.ok("import", back); !strings.Contains(out, "Bo holds your recovery piece now") {
		t.Fatalf("Ana import = %q", out)
	}
	var gl guardiansJSON
	if err := json.Unmarshal([]byte(ana.ok("guardians", "list", "--json")), &gl); err != nil {
		t.Fatal(err)
	}
	reached := 0
	for _, g := range gl.Guardians {
		if g.Reached {
			reached++
		}
	}
	if gl.Need != 2 || len(gl.Guardians) != 3 || reached != 1 {
		t.Fatalf("guardians list --json = %+v", gl)
	}

	// The laptop is lost: a new data folder, a temporary card.
	lost := newWorld(t)
	lost.vars["TRUSTDESK_PASSPHRASE"] = "a new passphrase"
	out = lost.ok("recover", "start", "--name", "Ana")
	temp := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "TD1") {
			temp = line
		}
	}
	if temp == "" {
		t.Fatalf("recover start = %q", out)
	}
	// Without comparing the safety code (no terminal, no --yes), nothing.
	bo.fails(2, "guardians", "release", temp, "--out", filepath.Join(dir, "no"))
	one := filepath.Join(dir, "release-bo")
	if out := bo.ok("guardians", "release", temp, "--out", one, "--yes"); !strings.Contains(out, "your recovery piece") {
		t.Fatalf("release = %q", out)
	}
	// Bo's file counts only once the new computer verified Bo in person.
	if out := lost.ok("import", one); !strings.Contains(out, "the recovery piece from Bo was not taken: you have not met them in person") {
		t.Fatalf("a piece from someone not met: %q", out)
	}
	for _, g := range []*world{bo, cy} {
		lost.ok("contact", "add", strings.TrimSpace(g.ok("card")), "--verified")
	}
	if out := lost.ok("import", one); !strings.Contains(out, "2 of 3 pieces needed, 1 received") {
		t.Fatalf("first piece: %q", out)
	}
	var now cardJSON
	json.Unmarshal([]byte(lost.ok("card", "--json")), &now)
	if now.ID == before.ID {
		t.Fatal("one piece brought the card back")
	}
	two := filepath.Join(dir, "release-cy")
	cy.ok("guardians", "release", temp, "--out", two, "--yes")
	if out := lost.ok("import", two); !strings.Contains(out, "your card is back") || !strings.Contains(out, before.ID) {
		t.Fatalf("second piece: %q", out)
	}
	json.Unmarshal([]byte(lost.ok("card", "--json")), &now)
	if now.ID != before.ID || now.Text != before.Text {
		t.Fatalf("card after recovery %s, want %s", now.ID, before.ID)
	}
	lost.fails(1, "recover", "status")

	// Di alone, on a device of her own pretending to be Ana, gets nothing.
	thief := newWorld(t)
	out = thief.ok("recover", "start", "--name", "Ana")
	temp = out[strings.Index(out, "TD1"):]
	temp = temp[:strings.Index(temp, "\n")]
	alone := filepath.Join(dir, "release-di")
	di.ok("guardians", "release", temp, "--out", alone, "--yes")
	thief.ok("contact", "add", strings.TrimSpace(di.ok("card")), "--verified")
	if out := thief.ok("import", alone); !strings.Contains(out, "1 received") {
		t.Fatalf("a guardian alone: %q", out)
	}
	json.Unmarshal([]byte(thief.ok("card", "--json")), &now)
	if now.ID == before.ID {
		t.Fatal("a guardian alone brought the card back")
	}
	if out := thief.ok("recover", "status"); out != "2 of 3 pieces needed, 1 received.\n" {
		t.Fatalf("recover status = %q", out)
	}
}
