package core

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/internal/words"
)

// TestRecoveredDeviceTakesFilesOfMembersWhoDidNotRelease (issue 17): Ana's
// guardians are Bo, Cy and Di, all in her cell. She gets her card back on
// a new laptop with Bo and Cy. Di, who did not release a piece, rates Cy
// and sends Ana a file: Di's device still believes Ana has what her old
// laptop had, Di's own rating of her among it, which Bo never got. The
// file is refused in plain words, nothing changes and nothing crashes,
// whether the laptop holds the cell yet or not; once Ana's laptop has the
// cell and sends Di a file, Di's next file brings everything.
func TestRecoveredDeviceTakesFilesOfMembersWhoDidNotRelease(t *testing.T) {
	ana := newService(t, "Ana")
	bo, cy, di := newService(t, "Bo"), newService(t, "Cy"), newService(t, "Di")
	for _, g := range []*Service{bo, cy, di} {
		meet(t, ana, g)
	}
	night, err := ana.NewCell("Night")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []*Service{bo, cy, di} {
		invite(t, ana, g, night.ID)
	}
	if _, err := ana.SetGuardians([]identity.ID{bo.Card().ID(), cy.Card().ID(), di.Card().ID()}, 2); err != nil {
		t.Fatal(err)
	}
	for _, g := range []*Service{bo, cy, di} {
		sendTo(t, ana, g)
		sendTo(t, g, ana)
	}
	rate(t, di, ana.Card().ID(), 4)
	sendTo(t, di, ana)
	sendTo(t, ana, di)

	// The laptop is lost; Bo and Cy help Ana get her card back.
	tmp, _ := getCardBack(t, ana.Card().ID(), []*Service{bo, cy})
	rate(t, di, cy.Card().ID(), 3)
	refused := func(cell string) {
		t.Helper()
		before := digest(t, tmp)
		_, err := tmp.Import(ctx, mustExport(t, di, ExportRequest{To: to(ana.Card().ID())}))
		var e *MissingPastError
		if !errors.As(err, &e) || e.From != "Di" || e.Cell != cell || !errors.Is(err, crdt.ErrMissingPast) {
			t.Fatalf("Di's file: %v, want a MissingPastError from Di about %q", err, cell)
		}
		say := Explain(err)
		if !strings.Contains(say, "send Di a sync file") && !strings.Contains(say, "Send Di a sync file") {
			t.Errorf("the sentence does not say what to do: %q", say)
		}
		if j := words.Jargon.FindString(say); j != "" {
			t.Errorf("jargon %q in %q", j, say)
		}
		if !reflect.DeepEqual(digest(t, tmp), before) {
			t.Fatal("a refused file changed something")
		}
	}
	refused("") // the laptop does not hold Night yet
	mustImport(t, tmp, mustExport(t, bo, ExportRequest{Cells: []crdt.CellID{night.ID}}))
	refused("Night") // it holds Night from Bo, without Di's rating of Ana

	sendTo(t, tmp, di)
	sum := sendTo(t, di, tmp)
	v, err := tmp.FindCell("night")
	if err != nil || !hasRating(v, di.Card().ID(), cy.Card().ID(), 3) || !hasRating(v, di.Card().ID(), ana.Card().ID(), 4) {
		t.Fatalf("Di's ratings did not arrive (%q): %v", sum.String(), err)
	}
	if sum := sendTo(t, di, tmp); !sum.Nothing() {
		t.Errorf("Di's next file: %q", sum.String())
	}
}
