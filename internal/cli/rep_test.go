package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"trustdesk/reputation"
)

func TestRep(t *testing.T) {
	ws := pair(t, "Ana", "Bo", "Cy")
	ana, bo, cy := ws[0], ws[1], ws[2]
	dee := otherCard(t, "Dee").String()
	for _, w := range ws {
		w.ok("contact", "add", dee)
	}
	ana.ok("cell", "new", "Night")
	ana.ok("cell", "admit", "night", "bo")
	ana.ok("cell", "admit", "night", "cy")
	dir := t.TempDir()
	f := filepath.Join(dir, "base")
	ana.ok("export", "--cell", "night", "--out", f)
	bo.ok("import", f)
	cy.ok("import", f)
	bo.ok("cell", "join", "night")
	cy.ok("cell", "join", "night")
	bo.ok("rate", "dee", "--safety", "1", "--reliability", "2", "--note", "threatened me", "--cell", "night")
	cy.ok("rate", "dee", "--safety", "2", "--reliability", "1", "--cell", "night")
	for i, w := range []*world{bo, cy} {
		f := filepath.Join(dir, string(rune('a'+i)))
		w.ok("export", "--to", "ana", "--out", f)
		ana.ok("import", f)
	}

	var one map[string]any
	if err := json.Unmarshal([]byte(ana.ok("rep", "dee", "--json")), &one); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "name", "safety", "reliability", "confidence", "known_little", "raters", "flags", "ratings", "vouched_for"} {
		if _, ok := one[k]; !ok {
			t.Fatalf("rep --json lacks %q: %v", k, one)
		}
	}
	if one["raters"].(float64) != 2 || one["flags"].(float64) != 2 || one["safety"].(float64) >= 3 {
		t.Fatalf("rep dee = %v", one)
	}
	ratings := one["ratings"].([]any)
	first := ratings[0].(map[string]any)
	for _, k := range []string{"rater", "cell", "safety", "reliability", "day", "weight", "note"} {
		if _, ok := first[k]; !ok {
			t.Fatalf("rating lacks %q: %v", k, first)
		}
	}
	var all []map[string]any
	json.Unmarshal([]byte(ana.ok("rep", "--json")), &all)
	if len(all) < 3 {
		t.Fatalf("rep --json = %v", all)
	}
	out := ana.ok("rep")
	if !strings.Contains(out, "Dee") || !strings.Contains(out, "safety") {
		t.Fatalf("rep = %q", out)
	}
	// Every row says how much is known in the words the window uses, not
	// as a percentage.
	evidence := []string{"no ratings yet", "little to go on", "some evidence", "well known", reputation.KnownLittleWords, reputation.FarWords}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if strings.Contains(line, "%") || !slices.ContainsFunc(evidence, func(e string) bool { return strings.HasSuffix(line, "  "+e) }) {
			t.Errorf("rep row %q does not end with how much is known", line)
		}
	}
	if out := ana.ok("rep", "dee"); !strings.Contains(out, "threatened me") || !strings.Contains(out, "Warning") {
		t.Fatalf("rep dee = %q", out)
	}
	// Ana's vouching record shows up on her voucher's side: Bo and Cy were
	// admitted by Ana (Bo learns that Cy accepted through Ana's next file).
	back := filepath.Join(dir, "back")
	ana.ok("export", "--to", "bo", "--out", back)
	bo.ok("import", back)
	var anaView map[string]any
	json.Unmarshal([]byte(bo.ok("rep", "ana", "--json")), &anaView)
	if v := anaView["vouched_for"].([]any); len(v) != 2 {
		t.Fatalf("Ana vouched for %v", v)
	}
}

func TestRepMe(t *testing.T) {
	ws := pair(t, "Ana", "Bo")
	ana, bo := ws[0], ws[1]
	if out := bo.ok("rep", "me"); !strings.Contains(out, "Bo (you)") || !strings.Contains(out, "No ratings that count yet") {
		t.Fatalf("rep me before any rating = %q", out)
	}
	ana.ok("cell", "new", "Night")
	invite(t, ana, bo, "night", "bo", "ana")
	ana.ok("rate", "bo", "--safety", "5", "--reliability", "4", "--note", "carried the stall")
	f := filepath.Join(t.TempDir(), "for-bo")
	ana.ok("export", "--to", "bo", "--out", f)
	bo.ok("import", f)

	out := bo.ok("rep", "me")
	if !strings.Contains(out, "Ana, in Night: safety 5, reliability 4") || !strings.Contains(out, "carried the stall") {
		t.Fatalf("rep me = %q", out)
	}
	var me map[string]any
	if err := json.Unmarshal([]byte(bo.ok("rep", "me", "--json")), &me); err != nil {
		t.Fatal(err)
	}
	ratings, _ := me["ratings"].([]any)
	if len(ratings) != 1 || ratings[0].(map[string]any)["rater"] != "Ana" || me["name"] != "Bo (you)" {
		t.Fatalf("rep me --json = %v", me)
	}
	// The table of everyone still leaves you out.
	if out := bo.ok("rep"); strings.Contains(out, "Bo") {
		t.Fatalf("rep lists you: %q", out)
	}
}
