package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSeizedLaptopCommands: Ana's laptop is taken with its passphrase.
// Bo and Di bring her card back on a new computer, and 'recover replace'
// replaces it by the temporary card they met; the thief's rating made
// afterwards with a copy of her home does not count for Bo, who knows the
// new card as Ana's, verified in person.
func TestSeizedLaptopCommands(t *testing.T) {
	ws := pair(t, "Ana", "Bo", "Cy", "Di")
	ana, bo, cy, di := ws[0], ws[1], ws[2], ws[3]
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	ana.ok("cell", "new", "Night")
	invite(t, ana, bo, "night", "bo", "ana")
	invite(t, ana, cy, "night", "cy", "ana")
	// Day, Bo's cell, where Ana's card will not be replaced.
	bo.ok("cell", "new", "Day")
	invite(t, bo, ana, "day", "ana", "bo")
	ana.ok("guardians", "set", "bo", "cy", "di", "--need", "2")
	for _, g := range []struct {
		w    *world
		name string
	}{{bo, "bo"}, {cy, "cy"}, {di, "di"}} {
		ana.ok("export", "--to", g.name, "--out", file("to-"+g.name))
		g.w.ok("import", file("to-"+g.name))
	}
	// Bo and Cy use the cell: Ana's guardians are named there before.
	bo.ok("rate", "ana", "--safety", "4", "--reliability", "4")
	bo.ok("export", "--cell", "night", "--out", file("bo-1"))
	cy.ok("import", file("bo-1"))
	cy.ok("rate", "bo", "--safety", "5", "--reliability", "5")
	cy.ok("export", "--cell", "night", "--out", file("cy-1"))
	bo.ok("import", file("cy-1"))

	ana.ok("backup", "--out", file("backup"))
	thief := newWorld(t)
	thief.ok("restore", file("backup"))

	lost := newWorld(t)
	lost.vars["TRUSTDESK_PASSPHRASE"] = "a new passphrase"
	lost.fails(1, "recover", "replace")
	temp := ""
	for _, line := range strings.Split(lost.ok("recover", "start", "--name", "Ana"), "\n") {
		if strings.HasPrefix(line, "TD1") {
			temp = line
		}
	}
	for _, g := range []struct {
		w    *world
		name string
	}{{bo, "bo"}, {di, "di"}} {
		g.w.ok("guardians", "release", temp, "--out", file("release-"+g.name), "--yes")
		lost.ok("contact", "add", strings.TrimSpace(g.w.ok("card")), "--verified")
		lost.ok("import", file("release-"+g.name))
	}
	bo.ok("export", "--cell", "night", "--out", file("bo-2"))
	lost.ok("import", file("bo-2"))
	lost.fails(2, "recover", "replace") // no terminal to ask, no --yes
	out := lost.ok("recover", "replace", "--yes")
	if !strings.Contains(out, "Your old card was replaced in Night") || !strings.Contains(out, temp) {
		t.Fatalf("recover replace = %q", out)
	}
	if card := strings.TrimSpace(lost.ok("card")); card != temp {
		t.Fatalf("the card after replacing is %q, want the temporary card", card)
	}

	thief.ok("rate", "cy", "--safety", "1", "--reliability", "1")
	thief.ok("export", "--cell", "night", "--out", file("thief"))
	lost.ok("export", "--cell", "night", "--out", file("new"))
	bo.ok("import", file("thief"))
	if out := bo.ok("import", file("new")); !strings.Contains(out, "their old card is still a member of Day") {
		t.Errorf("the import that brings the replacement says %q", out)
	}
	verbose := bo.ok("cell", "show", "night", "--verbose")
	if !strings.Contains(verbose, "made with a card its owner replaced") {
		t.Fatalf("Bo's cell does not list the thief's rating as void: %q", verbose)
	}
	contacts := bo.ok("contact", "list")
	if !strings.Contains(contacts, "Ana (old card)") {
		t.Fatalf("Bo's contacts: %q", contacts)
	}
	// The old card's page says who confirmed its replacement: Bo
	// himself, and Di.
	want := "In Night this card was replaced by a new one (Ana), confirmed by you and their guardian Di."
	if out := bo.ok("contact", "show", "Ana (old card)"); !strings.Contains(out, want) {
		t.Errorf("contact show of the old card = %q, want %q", out, want)
	}
	if out := bo.ok("contact", "show", "Ana (old card)", "--json"); !strings.Contains(out, `"you_confirmed": true`) || !strings.Contains(out, `"Di"`) {
		t.Errorf("contact show --json of the old card = %q", out)
	}
	if out := bo.ok("rep", "cy"); strings.Contains(out, "safety 1") {
		t.Fatalf("the thief's rating of Cy counts for Bo: %q", out)
	}

	// In Day the old card is still a member: cell show says so, with
	// the vote, which puts it out.
	day := bo.ok("cell", "show", "day")
	want = "Ana's old card is still a member here. Their card was replaced in Night (confirmed by their guardians): whoever holds the old card now is not Ana. Vote it out?"
	if !strings.Contains(day, want) {
		t.Fatalf("cell show day = %q, want %q", day, want)
	}
	if night := bo.ok("cell", "show", "night"); strings.Contains(night, "old card is still a member") {
		t.Errorf("cell show night = %q", night)
	}
	if out := bo.ok("cell", "show", "day", "--json"); !strings.Contains(out, `"suggest_vote": true`) {
		t.Errorf("cell show day --json = %q", out)
	}
	var vote []string
	for _, line := range strings.Split(day, "\n") {
		if cmd, ok := strings.CutPrefix(strings.TrimSpace(line), "To vote: trustdesk "); ok {
			vote = strings.Fields(cmd)
		}
	}
	if vote == nil {
		t.Fatalf("cell show day gives no command to vote: %q", day)
	}
	if out := bo.ok(vote...); !strings.Contains(out, "is excluded from Day") {
		t.Errorf("%q = %q", vote, out)
	}
	if out := bo.ok("cell", "show", "day"); strings.Contains(out, "old card is still a member") {
		t.Errorf("after the vote, cell show day = %q", out)
	}
}
