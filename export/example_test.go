package export_test

import (
	"errors"
	"fmt"
	"time"

	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/identity"
)

// Ana sends Bo what Bo lacks of the cell they share; Bo opens it.
func Example() {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	ana, _ := identity.New("Ana", now)
	bo, _ := identity.New("Bo", now)
	cell, _ := crdt.Found(ana, "Night shift", now)
	if _, err := cell.Admit(ana, bo.Card, now); err != nil {
		panic(err)
	}
	changes, _ := cell.ChangesSince(nil) // Ana does not know what Bo has yet

	f := &export.File{Cells: []export.Cell{{ID: cell.ID(), Heads: cell.Heads(), Changes: changes}}}
	data, err := export.Seal(ana, []*identity.Card{bo.Card}, f, export.SealOptions{Now: now})
	if err != nil {
		panic(err)
	}
	text, _ := export.Armor(data) // for pasting into a messenger

	got, err := export.Open(bo, text)
	if err != nil {
		panic(err)
	}
	fmt.Println("from:", got.Sender.Pseudonym)
	fmt.Println("created:", got.Created.Format(time.RFC3339))
	fmt.Println("cells:", len(got.Cells), "same id:", got.ID == f.ID)

	// Anyone else, even the sender, cannot open it.
	cy, _ := identity.New("Cy", now)
	_, err = export.Open(cy, data)
	fmt.Println(err)
	// Output:
	// from: Ana
	// created: 2026-11-21T12:00:00Z
	// cells: 1 same id: true
	// sync file: not addressed to you
}

// A file name that tells nothing about the file.
func ExampleFileName() {
	name := export.FileName()
	fmt.Println(len(name), name[:5], name[len(name)-7:])
	// Output: 20 sync- .tdsync
}

// Check the error a refused file gives with errors.Is.
func ExampleOpen_errors() {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	bo, _ := identity.New("Bo", now)
	_, err := export.Open(bo, []byte("-----BEGIN AGE ENCRYPTED FILE-----\nnot really\n-----END AGE ENCRYPTED FILE-----\n"))
	fmt.Println(errors.Is(err, export.ErrDamaged))
	// Output: true
}
