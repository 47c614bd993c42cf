package core

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// TestCellLabelsLookAlike: a second cell whose name looks like another's
// is shown with its founder and the start of its id; a cell with a name of
// its own is shown as it is.
func TestCellLabelsLookAlike(t *testing.T) {
	for _, tc := range []struct {
		a, b  string
		alike bool
	}{
		{"Night market", "Night market", true},
		{"Night market", "night  Market", true},
		{"Night market", "Nightmarket", true},
		{"Night market", "Ｎｉｇｈｔ market", true}, // full-width letters
		{"Straße", "STRASSE", true},
		{"Night market", "N\u0456ght market", true}, // Cyrillic і
		{"Night market", "Night rnarket", true},
		{"Night market", "NIGHT MARKET", true},
		{"Night market", "N\u0131ght market", true}, // dotless ı
		{"Night market", "Nlght market", true},
		{"you", "Y\u043eu", true}, // Cyrillic о
		{"Night market", "Night rnarkets", false},
		{"Night market", "Night market\u2800", true}, // a braille blank draws nothing
		{"Night market", "Night\u2800market", true},
		{"Night market", "Night market\U0001d159", true}, // a null notehead draws nothing
		{"Night market", "Night market\u00a0", true},     // a no-break space
		{"Night market", "Night shift", false},
		{"Night market", "Night markets", false},
	} {
		if got := lookalikeKey(tc.a) == lookalikeKey(tc.b); got != tc.alike {
			t.Errorf("%q and %q look alike: %v, want %v", tc.a, tc.b, got, tc.alike)
		}
	}

	ana, bo := newService(t, "Ana"), newService(t, "Bo")
	meet(t, ana, bo)
	real, err := ana.NewCell("Night market")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ana.Admit(real.ID, bo.Card().ID()); err != nil {
		t.Fatal(err)
	}
	other, err := ana.NewCell("Day shift")
	if err != nil {
		t.Fatal(err)
	}
	// Bo founds a cell named like the real one and pushes it to Ana.
	fake, err := bo.NewCell("night Market")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Admit(fake.ID, ana.Card().ID()); err != nil {
		t.Fatal(err)
	}
	mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID()), Cells: []crdt.CellID{fake.ID}}))
	cells, err := ana.Cells()
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 3 {
		t.Fatalf("Ana holds %d cells, want 3", len(cells))
	}
	labels := CellLabels(cells)
	if got := labels[other.ID]; got != "Day shift" {
		t.Errorf("label of a cell without a double: %q", got)
	}
	realLabel, fakeLabel := labels[real.ID], labels[fake.ID]
	if realLabel == fakeLabel || !strings.HasPrefix(realLabel, "Night market (founded by ") || !strings.Contains(fakeLabel, "founded by Bo · "+fake.ID.String()[:4]) {
		t.Errorf("look-alike labels: %q and %q", realLabel, fakeLabel)
	}
}

// TestCellQueryNeverPrefersAnInvitation: anyone Ana knows can push an
// invitation to a cell named "Night" while she is a member of "Night
// market". "night" must then name neither silently: the cell she did not
// join does not win over hers by matching exactly (as a card learned
// through a cell never wins over a contact verified in person).
func TestCellQueryNeverPrefersAnInvitation(t *testing.T) {
	ana, bo := newService(t, "Ana"), newService(t, "Bo")
	meet(t, ana, bo)
	real, err := ana.NewCell("Night market")
	if err != nil {
		t.Fatal(err)
	}
	fake, err := bo.NewCell("Night")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bo.Admit(fake.ID, ana.Card().ID()); err != nil {
		t.Fatal(err)
	}
	mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID()), Cells: []crdt.CellID{fake.ID}}))
	var amb *AmbiguousError
	if v, err := ana.FindCell("night"); !errors.As(err, &amb) || len(amb.Candidates) != 2 {
		t.Fatalf(`FindCell("night") = %v, %v; want both cells listed`, v, err)
	}
	for q, want := range map[string]crdt.CellID{"night market": real.ID, "night m": real.ID, fake.ID.String(): fake.ID} {
		if v, err := ana.FindCell(q); err != nil || v.ID != want {
			t.Errorf("FindCell(%q) = %v, %v", q, v, err)
		}
	}
	// Once she joins it, it is hers: the exact name names it.
	if _, err := ana.JoinCell(fake.ID); err != nil {
		t.Fatal(err)
	}
	if v, err := ana.FindCell("night"); err != nil || v.ID != fake.ID {
		t.Errorf(`FindCell("night") after joining = %v, %v`, v, err)
	}
}

// TestSummaryTellsLookAlikeCellsApart: a sync file that changes one of two
// cells with look-alike names says which one, as the cell list does.
func TestSummaryTellsLookAlikeCellsApart(t *testing.T) {
	ana, bo := newService(t, "Ana"), newService(t, "Bo")
	meet(t, ana, bo)
	real, err := ana.NewCell("Night market")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, ana, bo, real.ID)
	fake, err := bo.NewCell("N\u0456ght market")
	if err != nil {
		t.Fatal(err)
	}
	invite(t, bo, ana, fake.ID)
	if _, err := bo.SetPolicy(fake.ID, crdt.Policy{AdmitVouches: 1, ExcludeQuorum: 1}); err != nil {
		t.Fatal(err)
	}
	sum := mustImport(t, ana, mustExport(t, bo, ExportRequest{To: to(ana.Card().ID()), Cells: []crdt.CellID{fake.ID}}))
	cells, err := ana.Cells()
	if err != nil {
		t.Fatal(err)
	}
	want := CellLabels(cells)[fake.ID]
	if !strings.Contains(want, "founded by") || len(sum.Cells) != 1 || sum.Cells[0].Name != want || !strings.Contains(sum.String(), "in "+want) {
		t.Errorf("the summary %q names the cell %q, want %q", sum, sum.Cells[0].Name, want)
	}
}

// TestCellLabelsOutgrowGroundIDs: a founder can grind the id of a second
// cell until its first characters are those of their first cell (16 bits
// take a moment). Two cells of the same founder with look-alike names and
// ids that start the same are shown with as much of their ids as it takes
// to tell them apart.
func TestCellLabelsOutgrowGroundIDs(t *testing.T) {
	a, err := crdt.ParseCellID("3f2a9c01aaaaaaaaaaaaaaaaaaaaaaaa")
	if err != nil {
		t.Fatal(err)
	}
	b, err := crdt.ParseCellID("3f2a9c01bbbbbbbbbbbbbbbbbbbbbbbb")
	if err != nil {
		t.Fatal(err)
	}
	c, err := crdt.ParseCellID("77777777777777777777777777777777")
	if err != nil {
		t.Fatal(err)
	}
	bo := Person{Name: "Bo"}
	labels := CellLabels([]*CellView{
		{ID: a, Name: "Night market", Founder: bo},
		{ID: b, Name: "N\u0456ght market", Founder: bo},
		{ID: c, Name: "Night market", Founder: Person{Name: "Cy"}},
	})
	if lookalikeKey(labels[a]) == lookalikeKey(labels[b]) {
		t.Errorf("two cells of Bo are shown as %q and %q", labels[a], labels[b])
	}
	if want := "Night market (founded by Bo · 3f2a9c01a)"; labels[a] != want {
		t.Errorf("label %q, want %q", labels[a], want)
	}
	if want := "Night market (founded by Cy · 7777)"; labels[c] != want {
		t.Errorf("label of a cell whose id starts its own way: %q, want %q", labels[c], want)
	}
}

// TestSplitLabel: a look-alike's label splits into the name and what
// tells them apart; any other name, parentheses and all, stays whole.
func TestSplitLabel(t *testing.T) {
	for _, c := range []struct{ label, name, detail string }{
		{"Cy (introduced through a cell · 3f2a9c01)", "Cy", "introduced through a cell · 3f2a9c01"},
		{"Mir (old card) (verified in person · 00ff00aa)", "Mir (old card)", "verified in person · 00ff00aa"},
		{"Cy", "Cy", ""},
		{"Ana (old card)", "Ana (old card)", ""},
		{"Cy (met at the fair · 3f2a9c01)", "Cy (met at the fair · 3f2a9c01)", ""},
		{"Cy (not verified · 3F2A9C01)", "Cy (not verified · 3F2A9C01)", ""},
		{"Cy (not verified · 3f2a9c0)", "Cy (not verified · 3f2a9c0)", ""},
		{"", "", ""},
	} {
		if n, d := SplitLabel(c.label); n != c.name || d != c.detail {
			t.Errorf("SplitLabel(%q) = %q, %q; want %q, %q", c.label, n, d, c.name, c.detail)
		}
	}
	// What the name book writes splits back.
	b := newNameBook(identity.ID{9}, 2)
	b.set(identity.ID{1}, "Cy", InPerson, false)
	b.set(identity.ID{2}, "CY", Introduced, false)
	for id, label := range b.shown() {
		if id == b.me {
			continue
		}
		if n, d := SplitLabel(label); d == "" || !strings.HasPrefix(strings.ToLower(n), "cy") {
			t.Errorf("%v: %q splits into %q, %q", id, label, n, d)
		}
	}
}

// TestLookalikeKeyASCII checks that the look-alike key of an ASCII name
// taken from asciiAlike is the key computed step by step: for every
// ASCII character, every pair of them, and random names.
func TestLookalikeKeyASCII(t *testing.T) {
	check := func(name string) {
		t.Helper()
		if got, want := makeLookalikeKey(name), slowLookalikeKey(name); got != want {
			t.Fatalf("key of %q: %q, step by step %q", name, got, want)
		}
	}
	fast := 0
	for a := range 128 {
		if _, ok := asciiLookalikeKey(string(rune(a))); ok {
			fast++
		}
		for b := range 128 {
			check(string([]byte{byte(a), byte(b)}))
		}
	}
	// Letters, digits and spaces at least take the fast way.
	if fast < 63 {
		t.Fatalf("only %d ASCII characters have their key in asciiAlike", fast)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, 1+r.IntN(24))
		for i := range b {
			b[i] = byte(r.IntN(128))
		}
		check(string(b))
	}
	for _, name := range []string{"Mirelda", "Mir", "rn", "m", "I1l|", "0O", "Ｎight", "Ana Smith", "Person 29999"} {
		check(name)
	}
}
