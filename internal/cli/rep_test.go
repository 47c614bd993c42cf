package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
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
	for _, k := range []string{"id", "name", "safety", "reliability", "confidence", "raters", "flags", "ratings", "vouched_for"} {
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
	if out := ana.ok("rep"); !strings.Contains(out, "Dee") || !strings.Contains(out, "safety") {
		t.Fatalf("rep = %q", out)
	}
	if out := ana.ok("rep", "dee"); !strings.Contains(out, "threatened me") || !strings.Contains(out, "Warning") {
		t.Fatalf("rep dee = %q", out)
	}
	// Ana's vouching record shows up on her voucher's side: Bo was admitted by Ana.
	var anaView map[string]any
	json.Unmarshal([]byte(bo.ok("rep", "ana", "--json")), &anaView)
	if v := anaView["vouched_for"].([]any); len(v) != 2 {
		t.Fatalf("Ana vouched for %v", v)
	}
}
