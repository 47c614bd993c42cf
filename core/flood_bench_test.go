package core

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"trustdesk/crdt"
	"trustdesk/identity"
	"trustdesk/store"
)

// openHome is what every start costs: unlock the home, read every cell
// and list them (names included), as the cell list does, and list the
// contacts. It reports the time of each step (summed over b.N, divided by
// it).
func openHome(b *testing.B, home string, took *[3]time.Duration) {
	t0 := time.Now()
	s, err := Unlock(home, []byte("correct horse"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	t1 := time.Now()
	cells, err := s.Cells()
	if err != nil {
		b.Fatal(err)
	}
	t2 := time.Now()
	if _, err := s.Contacts(); err != nil {
		b.Fatal(err)
	}
	t3 := time.Now()
	took[0] += t1.Sub(t0)
	took[1] += t2.Sub(t1)
	took[2] += t3.Sub(t2)
	b.ReportMetric(float64(len(cells)), "cells")
	s.Close()
}

// benchOpen runs openHome b.N times and reports its steps.
func benchOpen(b *testing.B, home string) {
	var took [3]time.Duration
	b.ResetTimer()
	for range b.N {
		openHome(b, home, &took)
	}
	for i, unit := range []string{"unlock-ms", "cells-ms", "contacts-ms"} {
		b.ReportMetric(float64(took[i].Microseconds())/1000/float64(b.N), unit)
	}
}

// BenchmarkOpenAfterInvitationFlood: a start of Ana's home after a card
// she only pasted sent her one sync file of 1,000 invitations to new
// cells (before the bound, all 1,000 were kept and read at every start).
func BenchmarkOpenAfterInvitationFlood(b *testing.B) {
	home := b.TempDir()
	ana, err := Init(home, "Ana", []byte("correct horse"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	mal, err := Init(b.TempDir(), "Mal", []byte("pw"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	defer mal.Close()
	pasted(b, ana, mal)
	_, file := floodCells(b, mal, ana, 1000)
	t0 := time.Now()
	if _, err := ana.Import(ctx, file); err != nil {
		b.Fatal(err)
	}
	b.Logf("import of 1,000 invitations: %v", time.Since(t0))
	ana.Close()
	benchOpen(b, home)
}

// BenchmarkOpenWithPublishedCards3000: a start of Ana's home after a
// member of her cell published 3,000 cards in it (each becomes a contact
// introduced through the cell).
func BenchmarkOpenWithPublishedCards3000(b *testing.B) {
	home := b.TempDir()
	ana, err := Init(home, "Ana", []byte("correct horse"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	bo, err := Init(b.TempDir(), "Bo", []byte("pw"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	defer bo.Close()
	meet(b, ana, bo)
	cell, err := bo.NewCell("Market")
	if err != nil {
		b.Fatal(err)
	}
	invite(b, bo, ana, cell.ID)
	err = func() error {
		bo.mu.Lock()
		defer bo.mu.Unlock()
		all, err := bo.loadCells()
		if err != nil {
			return err
		}
		work, err := all[cell.ID].Clone()
		if err != nil {
			return err
		}
		for i := range 3000 {
			p, err := identity.New(fmt.Sprintf("Card %d", i), time.Now())
			if err != nil {
				return err
			}
			if _, err := work.PublishCard(bo.me(), p.Card, time.Now()); err != nil {
				return err
			}
		}
		_, err = bo.saveCells(all, work)
		return err
	}()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ana.Import(ctx, mustExportB(b, bo, ExportRequest{To: to(ana.Card().ID()), Cells: []crdt.CellID{cell.ID}})); err != nil {
		b.Fatal(err)
	}
	contacts, err := ana.Contacts()
	if err != nil || len(contacts) < 3000 {
		b.Fatalf("Ana holds %d contacts, %v", len(contacts), err)
	}
	ana.Close()
	benchOpen(b, home)
}

// BenchmarkPreviewWithDeclined10000: checking a sync file that brings one
// invitation, on a home where 10,000 invitations were turned down one by
// one (a pest founding cell after cell). An import reads only the records
// of the file's cells, not the whole list.
func BenchmarkPreviewWithDeclined10000(b *testing.B) {
	ana, err := Init(b.TempDir(), "Ana", []byte("correct horse"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	defer ana.Close()
	mal, err := Init(b.TempDir(), "Mal", []byte("pw"), testOptions)
	if err != nil {
		b.Fatal(err)
	}
	defer mal.Close()
	pasted(b, ana, mal)
	malID := mal.Card().ID()
	err = ana.db.Update(func(tx *store.Tx) error {
		for i := range 10000 {
			var id crdt.CellID
			binary.BigEndian.PutUint64(id[:], uint64(i)+1)
			if err := putRecord(tx, bucketDeclined, id[:], declinedRecord{Name: fmt.Sprintf("Pest %d", i), From: malID[:], At: time.Now().Unix()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	_, file := floodCells(b, mal, ana, 1)
	b.ResetTimer()
	for range b.N {
		if _, err := ana.PreviewImport(ctx, file); err != nil {
			b.Fatal(err)
		}
	}
}
