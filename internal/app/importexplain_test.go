package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"trustdesk/crdt"
)

// TestPersonAfterImportExplainsFromNewResult: a person's page open while
// a sync file is taken in shows, afterwards, the explanations of a
// result of the home as it now is (the rating the file brought, and the
// note of the rating kept before, whose texts the new source keeps
// apart again), not those of the result held before the import. It
// fails if taking in a file leaves the app with the result from before.
func TestPersonAfterImportExplainsFromNewResult(t *testing.T) {
	w := newCellWorld(t)
	sharedCell(t, w)
	u := w.u
	r := crdt.Rating{Safety: 4, Reliability: 5, Day: "2026-11-01", Note: "Lent me her scale", Tags: []string{"kind"}}
	if _, err := w.mara.Rate(id(w.bob), r, nil); err != nil {
		t.Fatal(err)
	}
	u.changed()
	u.showPerson(id(w.bob))
	if p := u.person; len(p.ratings) != 1 || !strings.Contains(p.ratings[0].String(), "Lent me her scale") {
		t.Fatalf("before: %d ratings shown", len(p.ratings))
	}
	before, err := u.reputation()
	if err != nil {
		t.Fatal(err)
	}

	receiveFile(t, u, "from-ann.tdsync", fileFrom(t, w.ann, id(w.mara), id(w.bob)))
	test.Tap(u.sync.takeIn)
	u.wait()
	after, err := u.reputation()
	if err != nil {
		t.Fatal(err)
	}
	if after == before {
		t.Fatal("the result from before the import is still held")
	}
	p := u.person
	if p == nil || len(p.ratings) != 2 {
		t.Fatalf("after: the page shows %v", p)
	}
	var lines []string
	for _, l := range p.ratings {
		lines = append(lines, l.String())
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"You", "Ann", "Lent me her scale", "kind"} {
		if !strings.Contains(all, want) {
			t.Errorf("after the import the page lacks %q:\n%s", want, all)
		}
	}
	if s := after.Person(id(w.bob).String()); s == nil || len(s.Ratings) != 2 {
		t.Fatalf("the new result explains %+v", s)
	}
	// What the result from before gives now, for the record (the app
	// no longer asks it anything).
	if s := before.Person(id(w.bob).String()); s != nil {
		for _, e := range s.Ratings {
			t.Logf("the result from before, asked after the import: note %q, tags %q", e.Note, e.Tags)
		}
	}
}
