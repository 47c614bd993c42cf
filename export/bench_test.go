package export

import (
	"bytes"
	"testing"

	"filippo.io/age"

	"trustdesk/crdt"
	"trustdesk/identity"
)

// benchFile returns the content of a file carrying n ratings: every change
// of a cell holding n ratings (and its founding and two admissions) as a
// change chunk, or as a saved document when saved is set.
func benchFile(b *testing.B, n int, saved bool) (*File, *crdt.Cell) {
	b.Helper()
	cell := testCell(b, n)
	f := fileFor(b, cell, nil)
	if saved {
		f.Cells[0].Changes = cell.Save()
	}
	return f, cell
}

func benchSeal(b *testing.B, saved bool) {
	f, _ := benchFile(b, 1000, saved)
	to := []*identity.Card{person(b, 1).Card}
	var size int
	for b.Loop() {
		data, err := Seal(person(b, 0), to, f, SealOptions{})
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "file-bytes")
	b.ReportMetric(float64(size)/1000, "bytes/rating")
}

// BenchmarkSeal seals a file carrying 1,000 ratings as a change chunk
// (crdt.Cell.ChangesSince). bytes/rating is the file size divided by the
// number of ratings.
func BenchmarkSeal(b *testing.B) { benchSeal(b, false) }

// BenchmarkSealSaved is BenchmarkSeal with the cell as a saved document
// (crdt.Cell.Save), Automerge's compact form.
func BenchmarkSealSaved(b *testing.B) { benchSeal(b, true) }

func benchOpen(b *testing.B, saved bool) {
	f, _ := benchFile(b, 1000, saved)
	data := must(Seal(person(b, 0), []*identity.Card{person(b, 1).Card}, f, SealOptions{}))
	me := person(b, 1)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Open(me, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen opens the file of BenchmarkSeal: decrypt, check padding,
// decompress, decode and verify.
func BenchmarkOpen(b *testing.B) { benchOpen(b, false) }

// BenchmarkOpenSaved opens the file of BenchmarkSealSaved.
func BenchmarkOpenSaved(b *testing.B) { benchOpen(b, true) }

// BenchmarkAgeDecryptOnly is the bare age decryption of the file of
// BenchmarkOpen, for comparison.
func BenchmarkAgeDecryptOnly(b *testing.B) {
	f, _ := benchFile(b, 1000, false)
	data := must(Seal(person(b, 0), []*identity.Card{person(b, 1).Card}, f, SealOptions{}))
	id := person(b, 1).AgeIdentity()
	b.SetBytes(int64(len(data)))
	var buf bytes.Buffer
	for b.Loop() {
		r, err := age.Decrypt(bytes.NewReader(data), id)
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyOnly is the bare check of the envelope signature of the
// file of BenchmarkOpen (one Ed25519 verification over the signed bytes),
// for comparison.
func BenchmarkVerifyOnly(b *testing.B) {
	f, _ := benchFile(b, 1000, false)
	f.Sender = person(b, 0).Card
	f.Recipients = []identity.ID{person(b, 1).Card.ID()}
	f.Created = t0
	w := must(toWire(f))
	signed := must(encMode.Marshal(w))
	msg := append([]byte(signatureTag), signed...)
	sig := person(b, 0).Sign(msg)
	card := person(b, 0).Card
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if !card.VerifySignature(msg, sig) {
			b.Fatal("signature does not verify")
		}
	}
}

// BenchmarkSealIncremental10 seals 10 new ratings of a 1,000-rating cell,
// the usual size of a file between people who sync often.
func BenchmarkSealIncremental10(b *testing.B) {
	cell := testCell(b, 1000)
	since := cell.Heads()
	addRatings(b, cell, 10)
	to := []*identity.Card{person(b, 1).Card}
	var size int
	for b.Loop() {
		f := fileFor(b, cell, since)
		data, err := Seal(person(b, 0), to, f, SealOptions{})
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "file-bytes")
}
