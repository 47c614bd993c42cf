package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
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

func reopen(t *testing.T, db *DB) *DB {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(db.Dir(), testPass, testOpt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func put(t *testing.T, db *DB, bucket, group, key, value string) {
	t.Helper()
	if err := db.Update(func(tx *Tx) error {
		return tx.Put(bucket, []byte(group), []byte(key), []byte(value))
	}); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, db *DB, bucket, group, key string) ([]byte, error) {
	t.Helper()
	var v []byte
	err := db.View(func(tx *Tx) error {
		var err error
		v, err = tx.Get(bucket, []byte(group), []byte(key))
		return err
	})
	return v, err
}

func list(t *testing.T, db *DB, bucket, group string) []Record {
	t.Helper()
	var recs []Record
	if err := db.View(func(tx *Tx) error {
		var err error
		recs, err = tx.List(bucket, []byte(group))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return recs
}

// fileBytes returns the contents of every file in dir, by name.
func fileBytes(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// assertAbsent fails if any file in dir contains any needle.
func assertAbsent(t *testing.T, dir string, needles map[string][]byte) {
	t.Helper()
	for name, b := range fileBytes(t, dir) {
		for what, n := range needles {
			if len(n) == 0 {
				t.Fatalf("empty needle %s", what)
			}
			if bytes.Contains(b, n) {
				t.Errorf("%s contains %s", name, what)
			}
		}
	}
}

func TestPutGetList(t *testing.T) {
	db, _ := newTestDB(t)
	err := db.Update(func(tx *Tx) error {
		for _, k := range []string{"b", "a", "c", ""} {
			if err := tx.Put("contacts", []byte("g1"), []byte(k), []byte("value "+k)); err != nil {
				return err
			}
		}
		if err := tx.Put("contacts", []byte("g2"), []byte("a"), []byte("other group")); err != nil {
			return err
		}
		if err := tx.Put("cells", []byte("g1"), []byte("a"), []byte("other bucket")); err != nil {
			return err
		}
		return tx.Put("contacts", nil, []byte("empty"), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	db = reopen(t, db)

	if v, err := get(t, db, "contacts", "g1", "b"); err != nil || string(v) != "value b" {
		t.Errorf("Get = %q, %v", v, err)
	}
	if v, err := get(t, db, "contacts", "g2", "a"); err != nil || string(v) != "other group" {
		t.Errorf("Get other group = %q, %v", v, err)
	}
	if v, err := get(t, db, "cells", "g1", "a"); err != nil || string(v) != "other bucket" {
		t.Errorf("Get other bucket = %q, %v", v, err)
	}
	if v, err := get(t, db, "contacts", "", "empty"); err != nil || len(v) != 0 {
		t.Errorf("Get empty value = %q, %v", v, err)
	}
	for _, missing := range [][3]string{{"contacts", "g1", "zz"}, {"contacts", "g3", "a"}, {"other", "g1", "a"}} {
		if _, err := get(t, db, missing[0], missing[1], missing[2]); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get %q = %v, want ErrNotFound", missing, err)
		}
	}
	recs := list(t, db, "contacts", "g1")
	want := []string{"", "a", "b", "c"}
	if len(recs) != len(want) {
		t.Fatalf("List = %d records, want %d", len(recs), len(want))
	}
	for i, k := range want {
		if string(recs[i].Key) != k || string(recs[i].Value) != "value "+k {
			t.Errorf("List[%d] = %q %q", i, recs[i].Key, recs[i].Value)
		}
	}
	if recs := list(t, db, "contacts", "nothing"); len(recs) != 0 {
		t.Errorf("List of empty group = %v", recs)
	}
	for _, c := range []struct {
		bucket, group string
		want          int
	}{{"contacts", "g1", 4}, {"contacts", "g2", 1}, {"contacts", "", 1}, {"cells", "g1", 1}, {"contacts", "nothing", 0}} {
		var n int
		if err := db.View(func(tx *Tx) error {
			var err error
			n, err = tx.Count(c.bucket, []byte(c.group))
			return err
		}); err != nil || n != c.want {
			t.Errorf("Count(%s, %s) = %d, %v; want %d", c.bucket, c.group, n, err, c.want)
		}
	}

	// Overwrite, delete, delete group.
	put(t, db, "contacts", "g1", "a", "replaced")
	if v, _ := get(t, db, "contacts", "g1", "a"); string(v) != "replaced" {
		t.Errorf("after overwrite Get = %q", v)
	}
	if err := db.Update(func(tx *Tx) error {
		if err := tx.Delete("contacts", []byte("g1"), []byte("b")); err != nil {
			return err
		}
		return tx.Delete("contacts", []byte("g1"), []byte("never there"))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := get(t, db, "contacts", "g1", "b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after Delete Get = %v", err)
	}
	if n := len(list(t, db, "contacts", "g1")); n != 3 {
		t.Errorf("after Delete List = %d records", n)
	}
	if err := db.Update(func(tx *Tx) error { return tx.DeleteGroup("contacts", []byte("g1")) }); err != nil {
		t.Fatal(err)
	}
	if n := len(list(t, db, "contacts", "g1")); n != 0 {
		t.Errorf("after DeleteGroup List = %d records", n)
	}
	if v, err := get(t, db, "cells", "g1", "a"); err != nil || string(v) != "other bucket" {
		t.Errorf("DeleteGroup reached another bucket: %q, %v", v, err)
	}
	if v, err := get(t, db, "contacts", "g2", "a"); err != nil || string(v) != "other group" {
		t.Errorf("DeleteGroup reached another group: %q, %v", v, err)
	}
}

func TestGroupKeyBoundaries(t *testing.T) {
	// Length prefixes keep ("ab", "c") and ("a", "bc") apart.
	db, _ := newTestDB(t)
	put(t, db, "b", "ab", "c", "one")
	put(t, db, "b", "a", "bc", "two")
	if v, _ := get(t, db, "b", "ab", "c"); string(v) != "one" {
		t.Errorf("got %q", v)
	}
	if v, _ := get(t, db, "b", "a", "bc"); string(v) != "two" {
		t.Errorf("got %q", v)
	}
}

func TestBucketNames(t *testing.T) {
	db, _ := newTestDB(t)
	for _, b := range []string{"", "has space", "naïve", strings.Repeat("x", 65), "semi;colon"} {
		err := db.Update(func(tx *Tx) error { return tx.Put(b, nil, []byte("k"), []byte("v")) })
		if err == nil {
			t.Errorf("Put accepted bucket %q", b)
		}
	}
	for _, b := range []string{"contacts", "cell/docs", "A-Z_0.9:x", strings.Repeat("x", 64)} {
		if err := db.Update(func(tx *Tx) error { return tx.Put(b, nil, []byte("k"), []byte("v")) }); err != nil {
			t.Errorf("Put refused bucket %q: %v", b, err)
		}
	}
}

func TestPlaintextAtRest(t *testing.T) {
	db, dir := newTestDB(t)
	needles := map[string][]byte{
		"pseudonym": []byte("Mirelda Oakthorn"),
		"petname":   []byte("Auntie Quillfeather"),
		"note":      []byte("met behind the xylophone depot"),
		"cell name": []byte("Harbour Lantern Collective"),
		"group":     []byte("group-zanzibar-7731"),
		"key":       []byte("key-wolframite-0042"),
	}
	secret := bytes.Repeat([]byte{0xA7, 0x5C, 0x19, 0xE3}, 8)
	needles["secret key bytes"] = secret
	err := db.Update(func(tx *Tx) error {
		for i := range 50 {
			g := fmt.Appendf(nil, "group-zanzibar-7731-%d", i)
			if err := tx.Put("contacts", g, []byte("key-wolframite-0042"), []byte("Mirelda Oakthorn")); err != nil {
				return err
			}
			if err := tx.Put("petnames", g, []byte("Auntie Quillfeather"), []byte("met behind the xylophone depot")); err != nil {
				return err
			}
		}
		if err := tx.Put("identity", nil, []byte("self"), secret); err != nil {
			return err
		}
		return tx.Put("cells", []byte("Harbour Lantern Collective"), []byte("name"), []byte("Harbour Lantern Collective"))
	})
	if err != nil {
		t.Fatal(err)
	}
	needles["vault key"] = bytes.Clone(db.vault)
	needles["lookup subkey"] = bytes.Clone(db.keys.mac)
	needles["record subkey"] = bytes.Clone(db.keys.enc)
	needles["passphrase"] = testPass

	// While open, the write-ahead log holds the new pages. The bucket name,
	// stored as is by design, shows that the scan sees the records.
	files := fileBytes(t, dir)
	if len(files[fileName+"-wal"]) == 0 {
		t.Fatalf("expected a non-empty write-ahead log while open, files: %v", len(files))
	}
	if !bytes.Contains(files[fileName+"-wal"], []byte("petnames")) {
		t.Fatal("the scan does not see the records in the write-ahead log")
	}
	assertAbsent(t, dir, needles)

	// After the records are rewritten and deleted, freed pages hold nothing either.
	put(t, db, "contacts", "group-zanzibar-7731-0", "key-wolframite-0042", "Mirelda Oakthorn again")
	if err := db.Update(func(tx *Tx) error { return tx.DeleteGroup("petnames", []byte("group-zanzibar-7731-3")) }); err != nil {
		t.Fatal(err)
	}
	assertAbsent(t, dir, needles)

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if b := fileBytes(t, dir)[fileName]; !bytes.Contains(b, []byte("petnames")) {
		t.Fatal("the scan does not see the records in the database file")
	}
	assertAbsent(t, dir, needles)

	// The data really is there, under the vault key.
	db = reopen(t, db)
	if v, err := get(t, db, "cells", "Harbour Lantern Collective", "name"); err != nil || string(v) != "Harbour Lantern Collective" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	assertAbsent(t, dir, needles)
}

func TestFilePermissions(t *testing.T) {
	db, dir := newTestDB(t)
	put(t, db, "b", "g", "k", "v")
	for name := range fileBytes(t, dir) {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want private to the user", name, fi.Mode().Perm())
		}
	}
}

func TestCreateOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if Exists(dir) {
		t.Fatal("Exists on an empty directory")
	}
	if _, err := Open(dir, testPass, testOpt); !errors.Is(err, ErrNotInitialized) {
		t.Errorf("Open empty dir = %v, want ErrNotInitialized", err)
	}
	if _, err := Open(filepath.Join(dir, "missing"), testPass, testOpt); !errors.Is(err, ErrNotInitialized) {
		t.Errorf("Open missing dir = %v, want ErrNotInitialized", err)
	}
	sub := filepath.Join(dir, "new", "home")
	db, err := Create(sub, testPass, testOpt)
	if err != nil {
		t.Fatal(err)
	}
	if db.Dir() != sub {
		t.Errorf("Dir = %q", db.Dir())
	}
	if !Exists(sub) {
		t.Error("Exists after Create is false")
	}
	if _, err := Create(sub, testPass, testOpt); !errors.Is(err, ErrExists) {
		t.Errorf("second Create = %v, want ErrExists", err)
	}
	db.Close()
	if _, err := Create(sub, testPass, testOpt); !errors.Is(err, ErrExists) {
		t.Errorf("Create after Close = %v, want ErrExists", err)
	}
	if _, err := Create(t.TempDir(), nil, testOpt); err == nil {
		t.Error("Create accepted an empty passphrase")
	}
	if _, err := Open(sub, nil, testOpt); err == nil {
		t.Error("Open accepted an empty passphrase")
	}
	if _, err := Create(t.TempDir(), testPass, Options{WorkFactor: 31}); err == nil {
		t.Error("Create accepted work factor 31")
	}
	if _, err := Create(t.TempDir(), testPass, Options{WorkFactor: -1}); err == nil {
		t.Error("Create accepted work factor -1")
	}
	// Nothing but the database is left in the home directory.
	names := fileBytes(t, sub)
	if len(names) != 1 {
		t.Errorf("home holds %d files after Close, want only %s", len(names), fileName)
	}
}

func TestWrongPassphrase(t *testing.T) {
	db, dir := newTestDB(t)
	put(t, db, "b", "g", "k", "v")
	db.Close()
	before := fileBytes(t, dir)
	for _, p := range []string{"correct horse battery stapl", "Correct horse battery staple", "x"} {
		if _, err := Open(dir, []byte(p), testOpt); !errors.Is(err, ErrWrongPassphrase) {
			t.Errorf("Open(%q) = %v, want ErrWrongPassphrase", p, err)
		} else if err.Error() != "wrong passphrase" {
			t.Errorf("message = %q", err.Error())
		}
	}
	after := fileBytes(t, dir)
	if len(after) != len(before) || !bytes.Equal(after[fileName], before[fileName]) {
		t.Error("a failed Open changed the files")
	}
	db, err := Open(dir, testPass, testOpt)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}

func TestForeignFiles(t *testing.T) {
	cases := map[string]func(path string) error{
		"empty file": func(p string) error { return os.WriteFile(p, nil, 0o600) },
		"text file": func(p string) error {
			return os.WriteFile(p, []byte(strings.Repeat("hello, not a database\n", 20)), 0o600)
		},
		"short file": func(p string) error { return os.WriteFile(p, []byte("SQLite format 3\x00"), 0o600) },
		"other sqlite database": func(p string) error {
			db, err := sql.Open("sqlite", p)
			if err != nil {
				return err
			}
			defer db.Close()
			_, err = db.Exec("CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('la')")
			return err
		},
	}
	for name, make := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, fileName)
			if err := make(path); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(path)
			if !Exists(dir) {
				t.Error("Exists is false for a present file")
			}
			if _, err := Open(dir, testPass, testOpt); !errors.Is(err, ErrForeign) {
				t.Errorf("Open = %v, want ErrForeign", err)
			}
			if _, err := Create(dir, testPass, testOpt); !errors.Is(err, ErrExists) {
				t.Errorf("Create = %v, want ErrExists", err)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Error("the foreign file was changed")
			}
			if n := len(fileBytes(t, dir)); n != 1 {
				t.Errorf("%d files in the directory, want only the foreign one", n)
			}
		})
	}
}

// rawDB opens the database file directly, bypassing the store.
func rawDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	sdb, err := openSQL(filepath.Join(dir, fileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() })
	return sdb
}

func pragmaInt(t *testing.T, sdb *sql.DB, name string) int64 {
	t.Helper()
	var v int64
	if err := sdb.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSchemaAndPragmas(t *testing.T) {
	db, dir := newTestDB(t)
	put(t, db, "b", "g", "k", "v")
	for range 3 {
		db = reopen(t, db)
	}
	if v, err := get(t, db, "b", "g", "k"); err != nil || string(v) != "v" {
		t.Fatalf("Get after reopen = %q, %v", v, err)
	}
	var mode string
	if err := db.sql.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	for name, want := range map[string]int64{
		"synchronous":   2, // FULL
		"foreign_keys":  1,
		"secure_delete": 1,
		"busy_timeout":  int64(busyTimeout),
		"user_version":  int64(len(migrations)),
	} {
		if got := pragmaInt(t, db.sql, name); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	db.Close()
	sdb := rawDB(t, dir)
	if got := pragmaInt(t, sdb, "application_id"); got != applicationID {
		t.Errorf("application_id = %#x", got)
	}
	var tables []string
	rows, err := sdb.Query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if strings.Join(tables, ",") != "records,vault" {
		t.Errorf("tables = %v", tables)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	db, dir := newTestDB(t)
	db.Close()
	sdb := rawDB(t, dir)
	if _, err := sdb.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	_, err := Open(dir, testPass, testOpt)
	if err == nil || !strings.Contains(err.Error(), "newer version") {
		t.Fatalf("Open = %v, want a newer-version error", err)
	}
	if errors.Is(err, ErrWrongPassphrase) || errors.Is(err, ErrDamaged) {
		t.Errorf("newer schema reported as %v", err)
	}
}

func schemaSQL(t *testing.T, sdb *sql.DB) string {
	t.Helper()
	rows, err := sdb.Query("SELECT sql FROM sqlite_schema ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var s sql.NullString
		rows.Scan(&s)
		b.WriteString(s.String + ";\n")
	}
	return b.String()
}

func TestMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fresh.db")
	sdb, err := openSQL(path)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	if err := migrate(sdb); err != nil {
		t.Fatal(err)
	}
	if v := pragmaInt(t, sdb, "user_version"); v != int64(len(migrations)) {
		t.Errorf("user_version = %d", v)
	}
	if v := pragmaInt(t, sdb, "application_id"); v != applicationID {
		t.Errorf("application_id = %#x", v)
	}
	schema := schemaSQL(t, sdb)
	// Running again changes nothing.
	if err := migrate(sdb); err != nil {
		t.Fatal(err)
	}
	if again := schemaSQL(t, sdb); again != schema {
		t.Errorf("second migrate changed the schema:\n%s\nto\n%s", schema, again)
	}
	// A migration that fails halfway leaves neither its tables nor a
	// raised user_version.
	bad := migration{version: len(migrations) + 1, name: "9999_bad.sql", sql: "CREATE TABLE half (x); INSERT INTO nowhere VALUES (1);"}
	if err := migrateOne(context.Background(), sdb, bad); err == nil {
		t.Fatal("a failing migration succeeded")
	}
	if v := pragmaInt(t, sdb, "user_version"); v != int64(len(migrations)) {
		t.Errorf("user_version after a failed migration = %d", v)
	}
	if got := schemaSQL(t, sdb); got != schema {
		t.Errorf("a failed migration changed the schema:\n%s", got)
	}
	// A migration that succeeds raises user_version in the same step.
	good := migration{version: len(migrations) + 1, name: "9999_good.sql", sql: "CREATE TABLE extra (x);"}
	if err := migrateOne(context.Background(), sdb, good); err != nil {
		t.Fatal(err)
	}
	if v := pragmaInt(t, sdb, "user_version"); v != int64(len(migrations)+1) {
		t.Errorf("user_version after a migration = %d", v)
	}
}

func TestLoadMigrations(t *testing.T) {
	ok := fstest.MapFS{
		"migrations/0001_a.sql": {Data: []byte("CREATE TABLE a (x);")},
		"migrations/0002_b.sql": {Data: []byte("CREATE TABLE b (x);")},
	}
	ms, err := loadMigrations(ok)
	if err != nil || len(ms) != 2 || ms[1].version != 2 {
		t.Errorf("loadMigrations = %v, %v", ms, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"gap":      {"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}},
		"zero":     {"migrations/0000_a.sql": {}},
		"bad name": {"migrations/0001_a.sql": {}, "migrations/2_b.sql": {}},
		"none":     {"migrations/README": {}},
		"dup":      {"migrations/0001_a.sql": {}, "migrations/0001_b.sql": {}},
	} {
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("%s: loadMigrations accepted it", name)
		}
	}
	if len(migrations) == 0 || migrations[0].version != 1 {
		t.Error("embedded migrations missing")
	}
}

func TestUpdateAtomic(t *testing.T) {
	db, _ := newTestDB(t)
	put(t, db, "b", "g", "keep", "old")
	boom := errors.New("boom")
	err := db.Update(func(tx *Tx) error {
		if err := tx.Put("b", []byte("g"), []byte("new"), []byte("x")); err != nil {
			return err
		}
		if err := tx.Put("b", []byte("g"), []byte("keep"), []byte("changed")); err != nil {
			return err
		}
		if err := tx.Delete("b", []byte("g"), []byte("keep")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want the function's error", err)
	}
	if _, err := get(t, db, "b", "g", "new"); !errors.Is(err, ErrNotFound) {
		t.Errorf("failed Update left a record: %v", err)
	}
	if v, _ := get(t, db, "b", "g", "keep"); string(v) != "old" {
		t.Errorf("failed Update changed a record to %q", v)
	}

	func() {
		defer func() {
			if r := recover(); r != "kaboom" {
				t.Errorf("recovered %v, want the re-raised panic", r)
			}
		}()
		db.Update(func(tx *Tx) error {
			tx.Put("b", []byte("g"), []byte("panic"), []byte("x"))
			panic("kaboom")
		})
	}()
	if _, err := get(t, db, "b", "g", "panic"); !errors.Is(err, ErrNotFound) {
		t.Errorf("panicking Update left a record: %v", err)
	}
	// The store still works after a panic.
	put(t, db, "b", "g", "after", "ok")
}

func TestViewIsReadOnly(t *testing.T) {
	db, _ := newTestDB(t)
	err := db.View(func(tx *Tx) error {
		if tx.Put("b", nil, []byte("k"), []byte("v")) == nil {
			t.Error("Put succeeded in View")
		}
		if tx.Delete("b", nil, []byte("k")) == nil {
			t.Error("Delete succeeded in View")
		}
		if tx.DeleteGroup("b", nil) == nil {
			t.Error("DeleteGroup succeeded in View")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTxAfterFunction(t *testing.T) {
	db, _ := newTestDB(t)
	var leaked *Tx
	db.Update(func(tx *Tx) error { leaked = tx; return nil })
	if err := leaked.Put("b", nil, []byte("k"), []byte("v")); err == nil {
		t.Error("Put on a finished transaction succeeded")
	}
	if _, err := leaked.Get("b", nil, []byte("k")); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Get on a finished transaction = %v", err)
	}
}

func TestClosed(t *testing.T) {
	db, _ := newTestDB(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := db.Update(func(*Tx) error { return nil }); err == nil {
		t.Error("Update after Close succeeded")
	}
	if err := db.View(func(*Tx) error { return nil }); err == nil {
		t.Error("View after Close succeeded")
	}
	if err := db.ChangePassphrase([]byte("new")); err == nil {
		t.Error("ChangePassphrase after Close succeeded")
	}
	if err := db.Backup(&bytes.Buffer{}, testPass); err == nil {
		t.Error("Backup after Close succeeded")
	}
}

func TestConcurrent(t *testing.T) {
	db, _ := newTestDB(t)
	const workers, each = 4, 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				err := db.Update(func(tx *Tx) error {
					return tx.Put("b", fmt.Appendf(nil, "w%d", w), fmt.Appendf(nil, "%03d", i), []byte("v"))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Go(func() {
			for range each {
				err := db.View(func(tx *Tx) error {
					_, err := tx.List("b", fmt.Appendf(nil, "w%d", w))
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for w := range workers {
		if n := len(list(t, db, "b", fmt.Sprintf("w%d", w))); n != each {
			t.Errorf("worker %d: %d records", w, n)
		}
	}
}

func TestTwoHandlesOneFile(t *testing.T) {
	// Two DB values on one file (two processes, say) see each other's writes.
	db1, dir := newTestDB(t)
	db2, err := Open(dir, testPass, testOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	put(t, db1, "b", "g", "k", "from one")
	if v, err := get(t, db2, "b", "g", "k"); err != nil || string(v) != "from one" {
		t.Errorf("second handle Get = %q, %v", v, err)
	}
}

func TestDamagedRecords(t *testing.T) {
	db, _ := newTestDB(t)
	put(t, db, "b", "g", "k1", "value one")
	put(t, db, "b", "g", "k2", "value two")

	corrupt := func(stmt string) {
		t.Helper()
		if _, err := db.sql.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string) {
		t.Helper()
		if _, err := get(t, db, "b", "g", "k1"); !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: Get = %v, want ErrDamaged", what, err)
		}
		err := db.View(func(tx *Tx) error { _, err := tx.List("b", []byte("g")); return err })
		if !errors.Is(err, ErrDamaged) {
			t.Errorf("%s: List = %v, want ErrDamaged", what, err)
		}
	}

	var body1, body2, ktag1, ktag2 []byte
	rows, err := db.sql.Query("SELECT key, body FROM records ORDER BY key")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, b []byte
		rows.Scan(&k, &b)
		if body1 == nil {
			ktag1, body1 = k, b
		} else {
			ktag2, body2 = k, b
		}
	}
	rows.Close()
	// Which row is k1 depends on the tags; find out.
	if bytes.Equal(ktag2, db.keys.keyTag("b", []byte("g"), []byte("k1"))) {
		ktag1, ktag2 = ktag2, ktag1
		body1, body2 = body2, body1
	}
	_ = ktag2

	// A flipped bit.
	corrupt(fmt.Sprintf("UPDATE records SET body = X'%x' WHERE key = X'%x'", flip(body1, len(body1)-1), ktag1))
	check("flipped bit")
	// A body moved from another row.
	corrupt(fmt.Sprintf("UPDATE records SET body = X'%x' WHERE key = X'%x'", body2, ktag1))
	check("swapped body")
	// A truncated body.
	corrupt(fmt.Sprintf("UPDATE records SET body = X'%x' WHERE key = X'%x'", body1[:10], ktag1))
	check("truncated body")
	// An unknown body version.
	corrupt(fmt.Sprintf("UPDATE records SET body = X'%x' WHERE key = X'%x'", flip(body1, 0), ktag1))
	check("body version")
	// Restored, it reads again.
	corrupt(fmt.Sprintf("UPDATE records SET body = X'%x' WHERE key = X'%x'", body1, ktag1))
	if v, err := get(t, db, "b", "g", "k1"); err != nil || string(v) != "value one" {
		t.Errorf("restored body: %q, %v", v, err)
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}

func TestSpecialDirectoryNames(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "odd ?name#with%25 chars&_pragma=x ünïcödé")
	db, err := Create(dir, testPass, testOpt)
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, "b", "g", "k", "v")
	db = reopen(t, db)
	if v, err := get(t, db, "b", "g", "k"); err != nil || string(v) != "v" {
		t.Errorf("Get = %q, %v", v, err)
	}
	if _, err := os.Stat(filepath.Join(dir, fileName)); err != nil {
		t.Errorf("database not where expected: %v", err)
	}
}

// TestMigrateRecordsByRowid writes records (one large) with the schema of
// migration 2, then opens the store, which moves them to the table of
// migration 3: every record reads back the same (BenchmarkPutBesideLarge
// shows why it moved).
func TestMigrateRecordsByRowid(t *testing.T) {
	dir := t.TempDir()
	db, err := Create(dir, []byte("pw"), Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	large := bytes.Repeat([]byte("statements "), 200_000)
	want := map[string][]byte{"a": []byte("small"), "b": large, "c": []byte("after")}
	err = db.Update(func(tx *Tx) error {
		for k, v := range want {
			if err := tx.Put("cells", []byte("g"), []byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Back to the table of migration 2, as an older version wrote it.
	_, err = db.sql.Exec(`CREATE TABLE old (bucket TEXT NOT NULL, grp BLOB NOT NULL, key BLOB NOT NULL, body BLOB NOT NULL,
		PRIMARY KEY (bucket, grp, key)) STRICT, WITHOUT ROWID;
		INSERT INTO old SELECT bucket, grp, key, body FROM records;
		DROP TABLE records;
		ALTER TABLE old RENAME TO records;
		PRAGMA user_version = 2;`)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(dir, []byte("pw"), Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v := pragmaInt(t, db.sql, "user_version"); v != int64(len(migrations)) {
		t.Fatalf("user_version = %d", v)
	}
	if s := schemaSQL(t, db.sql); strings.Contains(s, "WITHOUT ROWID") || !strings.Contains(s, "records_key") {
		t.Fatalf("schema after migration:\n%s", s)
	}
	err = db.View(func(tx *Tx) error {
		recs, err := tx.List("cells", []byte("g"))
		if err != nil {
			return err
		}
		if len(recs) != len(want) {
			t.Fatalf("%d records after migration, want %d", len(recs), len(want))
		}
		for _, r := range recs {
			if !bytes.Equal(r.Value, want[string(r.Key)]) {
				t.Fatalf("record %q reads differently after migration", r.Key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestTwoProgramsReadModifyWrite: two handles on one home (the desktop
// app and the command line) that each read a record and write it back
// changed, in one Update, at the same time: the second waits for the
// first (busy_timeout) rather than failing with "database is locked",
// and no change is lost (BEGIN IMMEDIATE: what an Update reads stays
// what it writes over).
func TestTwoProgramsReadModifyWrite(t *testing.T) {
	db1, dir := newTestDB(t)
	db2, err := Open(dir, testPass, testOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	add := func(db *DB) error {
		return db.Update(func(tx *Tx) error {
			v, err := tx.Get("b", nil, []byte("n"))
			if errors.Is(err, ErrNotFound) {
				v, err = []byte{0, 0}, nil
			}
			if err != nil {
				return err
			}
			n := int(v[0])<<8 | int(v[1]) + 1
			return tx.Put("b", nil, []byte("n"), []byte{byte(n >> 8), byte(n)})
		})
	}
	// One program holds the write lock a while; the other waits for it.
	held := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db1.Update(func(tx *Tx) error {
			close(held)
			time.Sleep(300 * time.Millisecond)
			return tx.Put("b", nil, []byte("other"), []byte("x"))
		})
	}()
	<-held
	if err := add(db2); err != nil {
		t.Fatalf("a second program writing while the first does: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	const workers, each = 3, 15
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	for _, db := range []*DB{db1, db2} {
		for range workers {
			wg.Go(func() {
				for range each {
					if err := add(db); err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	v, err := get(t, db1, "b", "", "n")
	if want := 1 + 2*workers*each; err != nil || int(v[0])<<8|int(v[1]) != want {
		t.Errorf("counter = %v, %v; want %d", v, err, want)
	}
}

// TestOtherProgramKeepsHomeBusy: a write that waited longer than
// busyTimeout for another program's is ErrBusy (one plain sentence in
// core.Explain), and writes nothing.
func TestOtherProgramKeepsHomeBusy(t *testing.T) {
	was := busyTimeout
	busyTimeout = 50
	t.Cleanup(func() { busyTimeout = was })
	db1, dir := newTestDB(t)
	db2, err := Open(dir, testPass, testOpt)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db1.Update(func(tx *Tx) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	err = db2.Update(func(tx *Tx) error { return tx.Put("b", nil, []byte("k"), []byte("v")) })
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("a write while another program held the home for long: %v", err)
	}
	if _, err := get(t, db1, "b", "", "k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the refused write was stored: %v", err)
	}
}

// TestGetValueIsTheCallers: a value Get returns is the caller's, decrypted
// where the driver put the row (see Tx.body): changing it changes no
// other value, nor what later reads of the same record, in the same
// transaction or another, return; and a value stays as it was after
// those reads.
func TestGetValueIsTheCallers(t *testing.T) {
	db, _ := newTestDB(t)
	large := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	if err := db.Update(func(tx *Tx) error {
		if err := tx.Put("b", []byte("g"), []byte("large"), large); err != nil {
			return err
		}
		return tx.Put("b", []byte("g"), []byte("small"), []byte("small value"))
	}); err != nil {
		t.Fatal(err)
	}
	var kept [][]byte
	read := func(tx *Tx) {
		t.Helper()
		for _, key := range []string{"large", "small", "large"} {
			v, err := tx.Get("b", []byte("g"), []byte(key))
			if err != nil {
				t.Fatal(err)
			}
			want := large
			if key == "small" {
				want = []byte("small value")
			}
			if !bytes.Equal(v, want) {
				t.Fatalf("%s read back as %d other bytes", key, len(v))
			}
			if recs, err := tx.List("b", []byte("g")); err != nil || len(recs) != 2 || !bytes.Equal(recs[0].Value, large) {
				t.Fatalf("list after a get: %d records, %v", len(recs), err)
			}
			kept = append(kept, bytes.Clone(v))
			clear(v) // the caller's
		}
	}
	for range 2 {
		if err := db.View(func(tx *Tx) error { read(tx); read(tx); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	var first []byte
	if err := db.Update(func(tx *Tx) error {
		var err error
		first, err = tx.Get("b", []byte("g"), []byte("large"))
		if err == nil {
			err = tx.Put("b", []byte("g"), []byte("other"), bytes.Repeat([]byte("x"), len(large)))
		}
		if err == nil {
			_, err = tx.Get("b", []byte("g"), []byte("other"))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, large) {
		t.Fatal("a value changed after later reads and writes")
	}
	if v, err := get(t, db, "b", "g", "large"); err != nil || !bytes.Equal(v, large) {
		t.Fatalf("after the values were cleared: %d bytes, %v", len(v), err)
	}
}

// TestListValuesAreTheCallers: the values List gives (each the driver's
// own copy of its row, decrypted where it is) stay as they were through
// later lists, reads and writes, and changing one changes nothing stored
// nor any other value. A List that handed over memory the driver or a
// later row reuses fails it.
func TestListValuesAreTheCallers(t *testing.T) {
	db, _ := newTestDB(t)
	want := map[string][]byte{}
	if err := db.Update(func(tx *Tx) error {
		for i := range 8 {
			key := fmt.Sprintf("k%d", i)
			want[key] = bytes.Repeat([]byte{byte('a' + i)}, 1000+i*(1<<14))
			if err := tx.Put("b", []byte("g"), []byte(key), want[key]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var lists [][]Record
	for range 2 {
		if err := db.Update(func(tx *Tx) error {
			recs, err := tx.List("b", []byte("g"))
			lists = append(lists, recs)
			if err == nil {
				_, err = tx.List("b", []byte("g"))
			}
			if err == nil {
				_, err = tx.Get("b", []byte("g"), []byte("k3"))
			}
			if err == nil {
				err = tx.Put("b", []byte("g"), []byte("other"), bytes.Repeat([]byte("x"), 1<<16))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, recs := range lists {
		if len(recs) < len(want) {
			t.Fatalf("%d records listed", len(recs))
		}
		for _, r := range recs[:len(want)] {
			if !bytes.Equal(r.Value, want[string(r.Key)]) {
				t.Fatalf("%s changed after later lists, reads and writes", r.Key)
			}
		}
	}
	clear(lists[0][2].Value) // the caller's
	if !bytes.Equal(lists[1][2].Value, want["k2"]) {
		t.Fatal("clearing one listed value changed another list's")
	}
	if v, err := get(t, db, "b", "g", "k2"); err != nil || !bytes.Equal(v, want["k2"]) {
		t.Fatalf("after a listed value was cleared: %d bytes, %v", len(v), err)
	}
}
