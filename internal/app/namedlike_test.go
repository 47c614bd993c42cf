package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"trustdesk/core"
	"trustdesk/crdt"
)

// TestImportSaysCardNamedLikeVerified: a file that brings a new card
// called "Bo", the beginning of Mara's verified contact Bob, says before
// and after it is taken in that they are not the same person.
func TestImportSaysCardNamedLikeVerified(t *testing.T) {
	w := newCellWorld(t)
	cell := sharedCell(t, w)
	u, s := w.u, w.u.sync
	bo := newSomeone(t, "Bo").Card()
	if _, err := w.ann.AddContact(bo.String(), "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ann.Rate(bo.ID(), crdt.Rating{Safety: 5, Reliability: 5, Day: "2026-11-01"}, []crdt.CellID{cell}); err != nil {
		t.Fatal(err)
	}
	to := w.mara.Card().ID()
	res, err := w.ann.Export(core.ExportRequest{To: &to})
	if err != nil {
		t.Fatal(err)
	}
	receiveFile(t, u, "from-ann.tdsync", res.Data)
	const want = "a new card calls itself Bo, like your verified contact Bob: they are not the same person"
	if !strings.Contains(s.previewText.Text, want) {
		t.Errorf("preview = %q", s.previewText.Text)
	}
	test.Tap(s.takeIn)
	u.wait()
	if !strings.Contains(s.result.Text, want) {
		t.Errorf("result = %q", s.result.Text)
	}
}
