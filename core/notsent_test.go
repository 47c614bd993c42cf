package core

import (
	"errors"
	"strings"
	"testing"

	"trustdesk/crdt"
)

// TestExportToExcludedSaysSo: a sync file for someone excluded from the
// cell, whether the cell is named or not, is refused with a sentence
// that says they were excluded, not that they share no cell with me or
// that I am not a member.
func TestExportToExcludedSaysSo(t *testing.T) {
	a, b := newService(t, "Ana"), newService(t, "Bo")
	meet(t, a, b)
	cell, _ := a.NewCell("Night")
	invite(t, a, b, cell.ID)
	if _, err := a.VoteExclude(cell.ID, b.Card().ID()); err != nil {
		t.Fatal(err)
	}
	want := "Bo was excluded from Night, so nothing of that cell goes to them any more."
	for _, cells := range [][]crdt.CellID{nil, {cell.ID}} {
		_, err := a.Export(ExportRequest{To: to(b.Card().ID()), Cells: cells})
		if !errors.Is(err, ErrNoCellToSend) {
			t.Errorf("cells %v: %v", cells, err)
		}
		if got := Explain(err); !strings.HasPrefix(got, want) {
			t.Errorf("cells %v: the error says %q", cells, got)
		}
	}
}
