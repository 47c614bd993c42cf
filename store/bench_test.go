package store

import (
	"fmt"
	"testing"
)

// BenchmarkUnlock measures Open at the default work factor (scrypt
// N = 2^18, r = 8): the cost the user pays at every start, and the cost of
// each passphrase guess. scrypt alone needs 256 MiB; peak-RSS-MiB is the
// process's peak resident memory after the runs.
func BenchmarkUnlock(b *testing.B) {
	dir := b.TempDir()
	db, err := Create(dir, testPass, Options{})
	if err != nil {
		b.Fatal(err)
	}
	sealed := db.sealedForTest()
	db.Close()
	if m := headerWorkFactor.FindSubmatch(sealed); m == nil || string(m[1]) != "18" {
		b.Fatalf("the default does not seal with work factor 18: %q", sealed[:min(len(sealed), 80)])
	}
	b.ReportAllocs()
	for b.Loop() {
		db, err := Open(dir, testPass, Options{})
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
	}
}

func benchDB(b *testing.B, n int) *DB {
	b.Helper()
	db, err := Create(b.TempDir(), testPass, testOpt)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	err = db.Update(func(tx *Tx) error {
		for i := range n {
			if err := tx.Put("bench", []byte("group"), fmt.Appendf(nil, "key-%06d", i), make([]byte, 200)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkPut measures one write transaction holding one 200-byte record,
// including the synchronous commit.
func BenchmarkPut(b *testing.B) {
	db := benchDB(b, 0)
	value := make([]byte, 200)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		err := db.Update(func(tx *Tx) error {
			return tx.Put("bench", []byte("group"), fmt.Appendf(nil, "key-%06d", i), value)
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkGet measures one read transaction getting one record out of
// 1,000.
func BenchmarkGet(b *testing.B) {
	const n = 1000
	db := benchDB(b, n)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		err := db.View(func(tx *Tx) error {
			_, err := tx.Get("bench", []byte("group"), fmt.Appendf(nil, "key-%06d", i%n))
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkGetLarge measures one read transaction getting one record of
// 4 MiB, as a start reads the kept source of the reputation of a home of
// 100,000 statements (about 4.3 MB).
func BenchmarkGetLarge(b *testing.B) {
	db := benchDB(b, 0)
	large := make([]byte, 4<<20)
	if err := db.Update(func(tx *Tx) error { return tx.Put("bench", nil, []byte("large"), large) }); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(large)))
	b.ReportAllocs()
	for b.Loop() {
		err := db.View(func(tx *Tx) error {
			v, err := tx.Get("bench", nil, []byte("large"))
			if err == nil && len(v) != len(large) {
				err = fmt.Errorf("got %d bytes", len(v))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListLarge measures listing a group of 16 records of 256 KiB
// (the packs of a large cell).
func BenchmarkListLarge(b *testing.B) {
	db := benchDB(b, 0)
	if err := db.Update(func(tx *Tx) error {
		for i := range 16 {
			if err := tx.Put("bench", []byte("packs"), []byte{byte(i)}, make([]byte, 256<<10)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(16 << 18)
	b.ReportAllocs()
	for b.Loop() {
		err := db.View(func(tx *Tx) error {
			recs, err := tx.List("bench", []byte("packs"))
			if err == nil && len(recs) != 16 {
				err = fmt.Errorf("got %d records", len(recs))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList measures listing a group of 1,000 records of 200 bytes.
func BenchmarkList(b *testing.B) {
	const n = 1000
	db := benchDB(b, n)
	b.ReportAllocs()
	for b.Loop() {
		err := db.View(func(tx *Tx) error {
			recs, err := tx.List("bench", []byte("group"))
			if err == nil && len(recs) != n {
				err = fmt.Errorf("listed %d records", len(recs))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// sealedForTest returns the sealed vault key as stored.
func (db *DB) sealedForTest() []byte {
	var sealed []byte
	db.sql.QueryRow("SELECT sealed FROM vault WHERE id = 1").Scan(&sealed)
	return sealed
}

// BenchmarkChangePassphrase measures a passphrase change of a store of
// 10,000 records of 200 bytes: a new vault key and every record encrypted
// again, in one transaction (scrypt kept cheap, so this is the re-keying).
func BenchmarkChangePassphrase(b *testing.B) {
	db := benchDB(b, 10000)
	for b.Loop() {
		if err := db.ChangePassphrase(testPass); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutBesideLarge writes a small record into a group that holds
// records of 2 MB (as a cell's first pack of 10,000 statements and its
// document are), on a freshly opened store as after a start: what storing
// a few new statements costs beside them.
func BenchmarkPutBesideLarge(b *testing.B) {
	dir := b.TempDir()
	db, err := Create(dir, testPass, testOpt)
	if err != nil {
		b.Fatal(err)
	}
	large := make([]byte, 2<<20)
	err = db.Update(func(tx *Tx) error {
		for i := range 4 {
			if err := tx.Put("cells", []byte("g"), []byte{byte(i), 0}, large); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		b.StopTimer()
		db, err := Open(dir, testPass, testOpt)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		i++
		err = db.Update(func(tx *Tx) error {
			return tx.Put("cells", []byte("g"), []byte{byte(i % 4), 1, byte(i >> 8), byte(i)}, []byte("ten new statements"))
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}
