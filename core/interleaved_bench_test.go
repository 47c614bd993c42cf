package core

import (
	"testing"

	"trustdesk/crdt"
)

// BenchmarkRateHeldCells is a local rating by a service that holds its
// three cells: since TestAttackInterleavedChangeLost its write also reads
// the stored header of the cell it changes, to be sure no other program
// changed it meanwhile.
func BenchmarkRateHeldCells(b *testing.B) {
	ana, bo, night := threeCells(b)
	i := 0
	for b.Loop() {
		i++
		r := crdt.Rating{Safety: 1 + i%5, Reliability: 1 + i%5}
		if _, err := ana.Rate(bo.Card().ID(), r, []crdt.CellID{night}); err != nil {
			b.Fatal(err)
		}
	}
}

// threeCells is Ana's home with three cells, Night the last, with Bo and
// Cy in each.
func threeCells(b *testing.B) (ana, bo *Service, night crdt.CellID) {
	ana, bo, cy := newService(b, "Ana"), newService(b, "Bo"), newService(b, "Cy")
	meet(b, ana, bo)
	meet(b, ana, cy)
	for _, name := range []string{"Day", "Market", "Night"} {
		cell, err := ana.NewCell(name)
		if err != nil {
			b.Fatal(err)
		}
		invite(b, ana, bo, cell.ID)
		invite(b, ana, cy, cell.ID)
		night = cell.ID
	}
	return ana, bo, night
}
