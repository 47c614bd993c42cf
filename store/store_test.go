package store

import (
	"bytes"
	"errors"
	"testing"
)

// testOpt keeps scrypt cheap in tests.
var testOpt = Options{WorkFactor: 10}

var testPass = []byte("correct horse battery staple")

func newTestDB(t *testing.T) (*DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := Create(dir, testPass, testOpt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dir
}

func TestPutGetList(t *testing.T) {
	db, dir := newTestDB(t)
	err := db.Update(func(tx *Tx) error {
		for _, k := range []string{"b", "a", "c"} {
			if err := tx.Put("contacts", []byte("g1"), []byte(k), []byte("value "+k)); err != nil {
				return err
			}
		}
		return tx.Put("contacts", []byte("g2"), []byte("a"), []byte("other"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, testPass, testOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *Tx) error {
		v, err := tx.Get("contacts", []byte("g1"), []byte("b"))
		if err != nil || string(v) != "value b" {
			t.Errorf("Get = %q, %v", v, err)
		}
		if _, err := tx.Get("contacts", []byte("g1"), []byte("zz")); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get missing = %v, want ErrNotFound", err)
		}
		recs, err := tx.List("contacts", []byte("g1"))
		if err != nil {
			return err
		}
		if len(recs) != 3 {
			t.Fatalf("List = %d records", len(recs))
		}
		for i, k := range []string{"a", "b", "c"} {
			if string(recs[i].Key) != k || !bytes.Equal(recs[i].Value, []byte("value "+k)) {
				t.Errorf("List[%d] = %q %q", i, recs[i].Key, recs[i].Value)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, []byte("nope"), testOpt); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
}
