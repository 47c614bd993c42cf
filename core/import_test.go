package core

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"trustdesk/crdt"
	"trustdesk/export"
	"trustdesk/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the compatibility fixtures in testdata/compat")

// TestDamagedFilesChangeNothing cuts a real sync file at every byte offset
// and flips every bit of its first 2 KiB: every case is refused, and the
// receiver's home is logically unchanged.
func TestDamagedFilesChangeNothing(t *testing.T) {
	a, b := newService(t, "Ana"), newService(t, "Bo")
	meet(t, a, b)
	cell, _ := a.NewCell("Night")
	invite(t, a, b, cell.ID)
	mustImport(t, b, mustExport(t, a, ExportRequest{To: to(b.Card().ID())}))
	a.Rate(b.Card().ID(), crdt.Rating{Safety: 5, Reliability: 4, Note: "kind"}, nil)
	file := mustExport(t, a, ExportRequest{To: to(b.Card().ID())})
	before := digest(t, b)

	// Under the race detector, every 16th case keeps the run short.
	step := 1
	if testenv.Race || testing.Short() {
		step = 16
	}
	refused := func(what string, data []byte) {
		t.Helper()
		if _, err := b.Import(ctx, data); err == nil {
			t.Fatalf("%s was taken in", what)
		}
	}
	for n := 0; n < len(file); n += step {
		refused("a file cut at "+itoa(n), file[:n])
	}
	for i := 0; i < 2048*8 && i/8 < len(file); i += step {
		bad := bytes.Clone(file)
		bad[i/8] ^= 1 << (i % 8)
		refused("a file with bit "+itoa(i)+" flipped", bad)
	}
	if !sameDigest(before, digest(t, b)) {
		t.Fatal("refused files changed the home")
	}
	// The intact file still goes in.
	if sum := mustImport(t, b, file); sum.Cells[0].NewRatings != 1 {
		t.Fatalf("the intact file: %s", sum)
	}
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

// FuzzImport runs the whole import path (armor, decryption, envelope,
// sender, cell changes checked in the child process, the transaction) on
// arbitrary bytes, seeded with real files binary and armored.
func FuzzImport(f *testing.F) {
	home := f.TempDir()
	a, err := Init(f.TempDir(), "Ana", []byte("pw"), testOptions)
	if err != nil {
		f.Fatal(err)
	}
	b, err := Init(home, "Bo", []byte("pw"), testOptions)
	if err != nil {
		f.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	a.AddContact(b.Card().String(), "", true)
	b.AddContact(a.Card().String(), "", true)
	cell, _ := a.NewCell("Night")
	invite(f, a, b, cell.ID)
	first, err := a.Export(ExportRequest{To: to(b.Card().ID())})
	if err != nil {
		f.Fatal(err)
	}
	a.Rate(b.Card().ID(), crdt.Rating{Safety: 4, Reliability: 4}, nil)
	second, _ := a.Export(ExportRequest{To: to(b.Card().ID())})
	armored, _ := export.Armor(second.Data)
	seeds := [][]byte{first.Data, second.Data, armored, armored[:len(armored)/2], []byte("age-encryption.org/v1\n")}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := b.Import(ctx, data)
		if err != nil && explainIsEmpty(err) {
			t.Fatalf("error without an explanation: %v", err)
		}
		if err := b.CheckStorage(); err != nil {
			t.Fatal(err)
		}
	})
}

func explainIsEmpty(err error) bool { return Explain(err) == "" }

// TestCompatibility imports sync files made by an earlier version into the
// home of their recipient, also made by that version: both must keep
// working forever. Run with -update to write new fixtures after a format
// change (and keep the old ones).
func TestCompatibility(t *testing.T) {
	dir := filepath.Join("testdata", "compat")
	if *update {
		writeCompatFixtures(t, dir)
	}
	home := t.TempDir()
	db, err := os.ReadFile(filepath.Join(dir, "home-v1", "trustdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(home, "trustdesk.db"), db, 0o600)
	s, err := Unlock(home, []byte("compat"), testOptions)
	if err != nil {
		t.Fatalf("the version 1 home does not open: %v", err)
	}
	defer s.Close()
	if s.Card().Pseudonym != "Bo" {
		t.Fatalf("the version 1 home holds %q", s.Card().Pseudonym)
	}
	// Ana was verified in person with a version 1 safety code: that is
	// stored, not worked out again from today's code, so she stays verified.
	if ana, err := s.FindContact("Ana"); err != nil || ana.Verified != InPerson {
		t.Fatalf("Ana, verified in the version 1 home: %+v, %v", ana, err)
	}
	for _, name := range []string{"v1-first.tdsync", "v1-second.txt"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		sum, err := s.Import(ctx, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sum.From.Name != "Ana" || sum.Nothing() {
			t.Fatalf("%s: %s", name, sum)
		}
	}
	v, err := s.FindCell("night")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Members()) != 2 || v.Ratings != 1 || len(v.cellState().Invalid) != 0 {
		t.Fatalf("the imported cell: %d members, %d ratings, invalid %v", len(v.Members()), v.Ratings, v.cellState().Invalid)
	}
}

func writeCompatFixtures(t *testing.T, dir string) {
	t.Helper()
	home := filepath.Join(dir, "home-v1")
	os.RemoveAll(dir)
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := Init(home, "Bo", []byte("compat"), testOptions)
	if err != nil {
		t.Fatal(err)
	}
	a := newService(t, "Ana")
	meet(t, a, b)
	cell, _ := a.NewCell("Night shift")
	invite(t, a, b, cell.ID)
	first := mustExport(t, a, ExportRequest{To: to(b.Card().ID())})
	a.Rate(b.Card().ID(), crdt.Rating{Safety: 5, Reliability: 4, Tags: []string{"on time"}, Note: "helped me move", Day: "2026-11-01"}, nil)
	second := mustExport(t, a, ExportRequest{To: to(b.Card().ID())})
	armored, err := export.Armor(second)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	for _, extra := range []string{"trustdesk.db-wal", "trustdesk.db-shm"} {
		if _, err := os.Stat(filepath.Join(home, extra)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s left after closing: the fixture must be one file", extra)
		}
	}
	os.WriteFile(filepath.Join(dir, "v1-first.tdsync"), first, 0o644)
	os.WriteFile(filepath.Join(dir, "v1-second.txt"), armored, 0o644)
}

// FuzzInspect runs inspect's recognition on arbitrary bytes: cards, cell
// documents and change chunks (checked in the child process), anything
// else. It must never crash, and every refusal must have an explanation.
func FuzzInspect(f *testing.F) {
	a, err := Init(f.TempDir(), "Ana", []byte("pw"), testOptions)
	if err != nil {
		f.Fatal(err)
	}
	defer a.Close()
	cell, _ := a.NewCell("Night")
	doc, _ := a.CellDocument(cell.ID)
	for _, seed := range [][]byte{[]byte(a.Card().String()), doc, doc[:len(doc)/2], []byte("TD1"), {0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Inspect(ctx, nil, data)
		switch {
		case err != nil && Explain(err) == "":
			t.Fatalf("error without an explanation: %v", err)
		case err == nil && in.Kind == "":
			t.Fatal("inspect recognised something without saying what")
		}
	})
}
