package core

import (
	"strings"
	"testing"

	"trustdesk/crdt"
)

// TestLeaveReachesTheCell: Mal leaves the cell. The others learn it only
// from a sync file of Mal's; until then they keep sending him the cell.
// His device refused every sync file once he had left, so his departure
// never reached anyone. It can make one now, for the cell or for one
// member, and the summary on their side names who left.
func TestLeaveReachesTheCell(t *testing.T) {
	ana, bo, mal := newService(t, "Ana"), newService(t, "Bo"), newService(t, "Mal")
	cell := cellOfAll(t, ana, bo, mal)
	if _, err := mal.LeaveCell(cell); err != nil {
		t.Fatal(err)
	}
	res, err := mal.Export(ExportRequest{To: to(ana.Card().ID())})
	if err != nil {
		t.Fatalf("Mal, who left, cannot send Ana his departure: %v", err)
	}
	got := mustImport(t, ana, res.Data).String()
	t.Log(got)
	if !strings.Contains(got, "Mal left") {
		t.Errorf("the summary %q does not say that Mal left", got)
	}
	if statusesOn(t, ana, cell)["Mal"] != "left" {
		t.Errorf("on Ana's device Mal is %q after his file", statusesOn(t, ana, cell)["Mal"])
	}
	if _, err := ana.Export(ExportRequest{To: to(mal.Card().ID())}); err == nil {
		t.Error("Ana's device still makes a sync file of the cell for Mal, who left")
	}
	// The whole cell too, to everyone still in it.
	res, err = mal.Export(ExportRequest{Cells: []crdt.CellID{cell}})
	if err != nil {
		t.Fatalf("Mal, who left, cannot send the cell his departure: %v", err)
	}
	if len(res.Recipients) != 2 {
		t.Errorf("Mal's departure goes to %v, want Ana and Bo", res.Recipients)
	}
	mustImport(t, bo, res.Data)
	// Nothing else: after leaving, Mal cannot rate there.
	if _, err := mal.Rate(bo.Card().ID(), crdt.Rating{Safety: 5, Reliability: 5}, []crdt.CellID{cell}); err == nil {
		t.Error("Mal rates in a cell he left")
	}
}
