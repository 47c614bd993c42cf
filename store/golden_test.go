package store

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden backup and the fuzz seed corpus in testdata")

// Golden backup: written once by this code, read by every later version.
const (
	goldenBackup = "testdata/backup-v1.age"
	goldenPass   = "trustdesk golden backup"
)

// goldenRecords is what testdata/backup-v1.age holds.
var goldenRecords = []backupRecord{
	{Bucket: "identity", Group: nil, Key: []byte("self"), Value: []byte("Tamsin Reedwhistle")},
	{Bucket: "contacts", Group: []byte("verified"), Key: []byte{0x01, 0x02, 0x03}, Value: []byte("Mirelda Oakthorn")},
	{Bucket: "contacts", Group: []byte("verified"), Key: []byte{0x01, 0x02, 0x04}, Value: nil},
	{Bucket: "cells/docs", Group: []byte{0xca, 0xfe}, Key: nil, Value: bytes.Repeat([]byte{0x55}, 300)},
}

// backupContent encodes records as the decrypted content of a backup.
func backupContent(t testing.TB, recs []backupRecord) []byte {
	t.Helper()
	var buf bytes.Buffer
	b, err := backupEnc.Marshal(backupHeader{Format: backupFormat, Version: backupVersion, Records: uint64(len(recs))})
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(b)
	for _, r := range recs {
		b, err := backupEnc.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
	}
	return buf.Bytes()
}

func TestGoldenBackup(t *testing.T) {
	if *update {
		db, _ := newTestDB(t)
		if err := db.Update(func(tx *Tx) error {
			for _, r := range goldenRecords {
				if err := tx.Put(r.Bucket, r.Group, r.Key, r.Value); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := db.Backup(&buf, []byte(goldenPass)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenBackup, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(goldenBackup)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db, err := Restore(t.TempDir(), f, []byte(goldenPass), testOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := dump(t, db); len(got) != len(goldenRecords) {
		t.Errorf("restored %d records, want %d", len(got), len(goldenRecords))
	}
	for _, r := range goldenRecords {
		var v []byte
		err := db.View(func(tx *Tx) error {
			var err error
			v, err = tx.Get(r.Bucket, r.Group, r.Key)
			return err
		})
		if err != nil || !bytes.Equal(v, r.Value) {
			t.Errorf("%s %x %x: %q, %v", r.Bucket, r.Group, r.Key, v, err)
		}
	}
}

const fuzzCorpus = "testdata/fuzz/FuzzReadBackup"

// fuzzSeeds are decrypted backup contents, good and bad.
func fuzzSeeds(t testing.TB) [][]byte {
	good := backupContent(t, goldenRecords)
	return [][]byte{
		good,
		backupContent(t, nil),
		good[:len(good)-7],
		append(bytes.Clone(good), 0xa0),
		cborSeqTB(t, backupHeader{Format: backupFormat, Version: 2}),
		cborSeqTB(t, backupHeader{Format: backupFormat, Version: 1, Records: 1 << 40}),
	}
}

func cborSeqTB(t testing.TB, items ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, it := range items {
		b, err := backupEnc.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
	}
	return buf.Bytes()
}

func TestFuzzCorpus(t *testing.T) {
	if *update {
		os.RemoveAll(fuzzCorpus)
		if err := os.MkdirAll(fuzzCorpus, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, s := range fuzzSeeds(t) {
			content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
			if err := os.WriteFile(filepath.Join(fuzzCorpus, fmt.Sprintf("seed-%d", i)), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(fuzzCorpus)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("the seed corpus is empty")
	}
}

// FuzzReadBackup feeds arbitrary decrypted content to the backup reader:
// it must never panic, must refuse with ErrDamaged (or the newer-format
// error), and must yield only records with valid bucket names.
func FuzzReadBackup(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		br, err := newBackupReader(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrDamaged) && !bytes.Contains([]byte(err.Error()), []byte("newer version")) {
				t.Fatalf("header error %v is not ErrDamaged", err)
			}
			return
		}
		for n := 0; ; n++ {
			rec, ok, err := br.next()
			if err != nil {
				if !errors.Is(err, ErrDamaged) {
					t.Fatalf("record error %v is not ErrDamaged", err)
				}
				return
			}
			if !ok {
				if uint64(n) != br.hdr.Records {
					t.Fatalf("ended after %d records, header says %d", n, br.hdr.Records)
				}
				return
			}
			if checkBucket(rec.Bucket) != nil {
				t.Fatalf("accepted bucket %q", rec.Bucket)
			}
		}
	})
}
