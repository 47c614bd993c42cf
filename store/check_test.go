package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	db, err := Create(dir, []byte("pw"), Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if err := db.Update(func(tx *Tx) error { return tx.Put("b", nil, []byte{byte(i)}, make([]byte, 3000)) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Check(); err != nil {
		t.Fatalf("fresh database: %v", err)
	}
	db.Close()

	// Scribble over an index page in the middle of the file.
	path := filepath.Join(dir, "trustdesk.db")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 16*4096 {
		t.Fatalf("database unexpectedly small: %d bytes", len(b))
	}
	for i := 8 * 4096; i < 8*4096+200; i++ {
		b[i] ^= 0x5a
	}
	os.WriteFile(path, b, 0o600)
	db, err = Open(dir, []byte("pw"), Options{WorkFactor: 10})
	if err != nil {
		t.Logf("open refused the damaged file: %v", err)
		return
	}
	defer db.Close()
	if err := db.Check(); !errors.Is(err, ErrDamaged) {
		t.Fatalf("damaged database passed the check: %v", err)
	}
}
