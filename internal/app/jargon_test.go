package app

import (
	"strings"
	"testing"

	"trustdesk/core"
	"trustdesk/export"
	"trustdesk/internal/words"
)

// jargon matches the words people must never see. The string literals of
// the app are checked against it in internal/words.
var jargon = words.Jargon

// TestNoJargonInMadeWords checks words put together while the app runs,
// which the scan of string literals cannot see: the line above a sync file
// copied as text, the legend of the bars, and what a sync file brings.
func TestNoJargonInMadeWords(t *testing.T) {
	u := startUI(t, newHome(t, "Mara"), testPass)
	u.showLegend()
	legend := dialogText(u)
	if !strings.Contains(legend, "Teal") {
		t.Fatalf("the legend reads %q", legend)
	}
	sum := &core.ImportSummary{From: core.Person{Name: "Bo"}, NewStatements: 3,
		Cells: []core.CellChanges{{Name: "Night", NewStatements: 3}}}
	for _, s := range []string{export.PasteNote, legend, compareAllWords, sum.String(), previewDetails(sum)} {
		if w := jargon.FindString(s); w != "" {
			t.Errorf("%q says %q", s, w)
		}
	}
	if !strings.Contains(sum.String(), "3 updates") {
		t.Errorf("what the file brings: %q", sum.String())
	}
}
