package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

const (
	// fileName is the database file inside the home directory.
	fileName = "trustdesk.db"
	// applicationID marks a trustdesk database: ASCII "TDsk".
	applicationID = 0x5444736b
	// tempInfix marks a database being built by Create or Restore; it is
	// renamed into place only when complete.
	tempInfix = ".new-"
)

// busyTimeout is how long a connection waits for another writer (another
// program on the same home), in milliseconds; then ErrBusy. A variable
// only for tests.
var busyTimeout = 10000

// sidecars are the suffixes SQLite appends to the database name for its
// own files.
var sidecars = []string{"-wal", "-shm", "-journal"}

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations are the embedded schema steps, in order.
var migrations = mustLoadMigrations(migrationFS)

var migrationName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

// mustLoadMigrations reads the embedded migrations and checks that they are
// numbered 1, 2, 3... without gaps. A violation is a programming error.
func mustLoadMigrations(fsys fs.FS) []migration {
	ms, err := loadMigrations(fsys)
	if err != nil {
		panic(err)
	}
	return ms
}

func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("store: bad migration file name %q", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migration %s is out of sequence", m.name)
		}
	}
	if len(ms) == 0 {
		return nil, errors.New("store: no migrations")
	}
	return ms, nil
}

// dsn returns the connection string for the database at path. Every pooled
// connection gets the same pragmas.
func dsn(path string) string {
	var b strings.Builder
	b.WriteString("file:")
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c == '%' || c == '?' || c == '#' || c < 0x21 || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	b.WriteString("?_txlock=immediate")
	for _, p := range []string{
		"busy_timeout(" + strconv.Itoa(busyTimeout) + ")",
		"journal_mode(WAL)",
		"synchronous(FULL)",
		"foreign_keys(1)",
		"secure_delete(1)",
		"temp_store(MEMORY)",
	} {
		b.WriteString("&_pragma=")
		b.WriteString(p)
	}
	return b.String()
}

// openSQL opens the database at path with the store's pragmas.
func openSQL(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, err
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// probe reads the database header of the file at path without going
// through SQLite, so nothing is written to a file that is not ours. It
// returns ErrNotInitialized if there is no file and ErrForeign if the file
// is not a trustdesk database.
func probe(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotInitialized
	}
	if err != nil {
		return err
	}
	defer f.Close()
	var hdr [100]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return ErrForeign
		}
		return err
	}
	if string(hdr[:16]) != "SQLite format 3\x00" {
		return ErrForeign
	}
	if binary.BigEndian.Uint32(hdr[68:72]) != applicationID {
		return ErrForeign
	}
	return nil
}

// schemaVersion returns the database's user_version.
func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// errNewer reports a database written by a newer program.
func errNewer(have int) error {
	return fmt.Errorf("store: database was written by a newer version of trustdesk (schema %d, this program knows %d)", have, len(migrations))
}

// migrate applies every pending migration, each in its own BEGIN IMMEDIATE
// transaction that also bumps user_version. The first migration also sets
// the application_id.
func migrate(db *sql.DB) error {
	ctx := context.Background()
	v, err := schemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if v == len(migrations) {
		return nil // up to date: no write lock needed
	}
	for _, m := range migrations {
		if err := migrateOne(ctx, db, m); err != nil {
			return err
		}
	}
	return nil
}

func migrateOne(ctx context.Context, db *sql.DB, m migration) error {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE through _txlock
	if err != nil {
		return err
	}
	defer tx.Rollback()
	v, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return errNewer(v)
	}
	if v >= m.version {
		return nil // already applied, possibly by another process
	}
	if v != m.version-1 {
		return fmt.Errorf("store: schema %d cannot take migration %s", v, m.name)
	}
	if m.version == 1 {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("store: migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return err
	}
	return tx.Commit()
}

// removeDBFiles removes a database file and its SQLite side files.
func removeDBFiles(path string) error {
	var first error
	for _, suffix := range append([]string{""}, sidecars...) {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) && first == nil {
			first = err
		}
	}
	return first
}

// build creates a complete database in a temporary file next to the final
// one, fills it with fill, and moves it into place only when everything
// succeeded. A failure leaves nothing behind. errTaken is returned if a
// database appears at the final path in the meantime.
func build(dir string, fill func(*sql.DB) error, errTaken error) error {
	var rnd [8]byte
	rand.Read(rnd[:])
	final := filepath.Join(dir, fileName)
	tmp := final + tempInfix + hex.EncodeToString(rnd[:])
	// Create the file ourselves so it is private to the user; SQLite gives
	// its side files the same permissions.
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	ok := false
	defer func() {
		if !ok {
			removeDBFiles(tmp)
		}
	}()

	db, err := openSQL(tmp)
	if err != nil {
		return err
	}
	err = migrate(db)
	if err == nil {
		err = fill(db)
	}
	if err == nil {
		_, err = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if fi, err := os.Stat(tmp + "-wal"); err == nil && fi.Size() > 0 {
		return errors.New("store: new database was not fully written")
	}
	os.Remove(tmp + "-wal")
	os.Remove(tmp + "-shm")
	if err := syncFile(tmp); err != nil {
		return err
	}

	// Link refuses to replace an existing file, so a database that appeared
	// since the caller looked is never overwritten.
	if err := os.Link(tmp, final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return errTaken
		}
		if _, serr := os.Lstat(final); serr == nil {
			return errTaken
		}
		if err := os.Rename(tmp, final); err != nil {
			return err
		}
	} else {
		os.Remove(tmp)
	}
	ok = true
	syncDir(dir)
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a rename or removal in dir durable where the system
// supports it.
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}
