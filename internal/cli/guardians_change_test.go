package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestChangeGuardiansCommands: once Ana's guardians count in her cell,
// 'guardians set' with other people waits and shows a code; Bo agrees
// with the code Ana reads out (a wrong code writes nothing), then Cy; the
// change is made and 'guardians list' shows the new guardians.
func TestChangeGuardiansCommands(t *testing.T) {
	ws := pair(t, "Ana", "Bo", "Cy", "Di")
	ana, bo, cy := ws[0], ws[1], ws[2]
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	ana.ok("cell", "new", "Night")
	invite(t, ana, bo, "night", "bo", "ana")
	invite(t, ana, cy, "night", "cy", "ana")
	ana.ok("guardians", "set", "bo", "cy", "--need", "2")
	for _, g := range []struct {
		w    *world
		name string
	}{{bo, "bo"}, {cy, "cy"}} {
		ana.ok("export", "--to", g.name, "--out", file("to-"+g.name))
		g.w.ok("import", file("to-"+g.name))
	}
	bo.ok("rate", "ana", "--safety", "4", "--reliability", "4")
	bo.ok("export", "--cell", "night", "--out", file("bo-1"))
	cy.ok("import", file("bo-1"))
	cy.ok("rate", "bo", "--safety", "5", "--reliability", "5")
	cy.ok("export", "--cell", "night", "--out", file("cy-1"))
	ana.ok("import", file("cy-1"))

	out := ana.ok("guardians", "set", "cy", "di", "--need", "2")
	if !strings.Contains(out, "the change waits until 2 of them agree") || !strings.Contains(out, "Waiting: new guardians Cy and Di") {
		t.Fatalf("guardians set = %q", out)
	}
	var gl guardiansJSON
	if err := json.Unmarshal([]byte(ana.ok("guardians", "list", "--json")), &gl); err != nil || gl.Pending == nil || gl.Pending.Code == "" {
		t.Fatalf("guardians list --json = %+v, %v", gl, err)
	}
	code := gl.Pending.Code
	for _, g := range []struct {
		w    *world
		name string
	}{{bo, "bo"}, {cy, "cy"}} {
		ana.ok("export", "--to", g.name, "--out", file("ask-"+g.name))
		if out := g.w.ok("import", file("ask-"+g.name)); !strings.Contains(out, "Ana asks you to agree to their new guardians") {
			t.Fatalf("%s import = %q", g.name, out)
		}
		if out := g.w.ok("guardians", "list"); !strings.Contains(out, code) {
			t.Fatalf("%s guardians list = %q", g.name, out)
		}
	}
	bo.fails(1, "guardians", "agree", "ana", "--code", "0000 0000 0000", "--out", file("wrong"))
	bo.fails(2, "guardians", "agree", "ana", "--out", file("wrong"))
	bo.ok("guardians", "agree", "ana", "--code", code, "--out", file("agree-bo"))
	if out := bo.ok("guardians", "list"); !strings.Contains(out, "You agreed to Ana's new guardians") || strings.Contains(out, "Ana asks you") {
		t.Fatalf("Bo's list after he agreed = %q", out)
	}
	if out := ana.ok("import", file("agree-bo")); !strings.Contains(out, "Bo agreed to your new guardians") {
		t.Fatalf("import Bo's agreement = %q", out)
	}
	cy.ok("guardians", "agree", "ana", "--code", code, "--out", file("agree-cy"))
	if out := ana.ok("import", file("agree-cy")); !strings.Contains(out, "your new guardians are in place") {
		t.Fatalf("import Cy's agreement = %q", out)
	}
	out = ana.ok("guardians", "list")
	if strings.Contains(out, "Waiting") || !strings.Contains(out, "Di") || !strings.Contains(out, "Bo") || !strings.Contains(out, "no longer a guardian") {
		t.Fatalf("guardians list after the change = %q", out)
	}
}
