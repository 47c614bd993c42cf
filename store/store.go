package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Errors returned by the store. Check them with [errors.Is]; most are
// returned wrapped with more detail.
var (
	// ErrWrongPassphrase means the passphrase does not open the store or
	// the backup. Nothing was changed.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrNotInitialized means there is no database in the directory.
	ErrNotInitialized = errors.New("store: no database in this directory")
	// ErrExists means Create found a database already in the directory.
	ErrExists = errors.New("store: a database already exists in this directory")
	// ErrNotFound means Get found no record under the bucket, group and key.
	ErrNotFound = errors.New("store: not found")
	// ErrForeign means the database file is not a trustdesk database (some
	// other SQLite database, or not a database at all). It is left untouched.
	ErrForeign = errors.New("store: not a trustdesk database")
	// ErrNotEmpty means Restore found a database already in the directory.
	ErrNotEmpty = errors.New("store: directory already holds a database")
	// ErrDamaged means stored data or a backup failed its integrity checks.
	ErrDamaged = errors.New("store: data is damaged")
	// ErrBusy means another program on the same home (the desktop app and
	// the command line at once) kept it busy writing for longer than a
	// write waits (busyTimeout). Nothing was written.
	ErrBusy = errors.New("store: another program kept the home busy")
)

var (
	errEmptyPassphrase = errors.New("store: empty passphrase")
	errClosed          = errors.New("store: database is closed")
)

const (
	// defaultWorkFactor is the scrypt work factor (log2 of N) used when
	// Options.WorkFactor is zero: about a second and 256 MiB of memory.
	defaultWorkFactor = 18
	// minMaxWorkFactor is the largest work factor always accepted when
	// opening: 2^20 needs 1 GiB of memory, more could exhaust a small
	// machine before the passphrase is even checked.
	minMaxWorkFactor = 20
	// maxWorkFactor is the largest work factor Options may ask for.
	maxWorkFactor = 30
)

// Options tunes the cost of the passphrase protection.
type Options struct {
	// WorkFactor is the scrypt work factor (log2 of the scrypt N parameter)
	// used when sealing the vault key or writing a backup. Zero means 18,
	// which takes about a second and 256 MiB of memory. Opening accepts any
	// work factor up to the larger of this value and 20.
	WorkFactor int
}

func (o Options) workFactor() (int, error) {
	switch {
	case o.WorkFactor == 0:
		return defaultWorkFactor, nil
	case o.WorkFactor < 1 || o.WorkFactor > maxWorkFactor:
		return 0, fmt.Errorf("store: work factor %d out of range 1..%d", o.WorkFactor, maxWorkFactor)
	}
	return o.WorkFactor, nil
}

func (o Options) maxWorkFactor() int {
	wf, err := o.workFactor()
	if err != nil || wf < minMaxWorkFactor {
		return minMaxWorkFactor
	}
	return wf
}

// DB is an open store. It is safe for use by multiple goroutines.
type DB struct {
	dir        string
	sql        *sql.DB
	workFactor int

	// life is held shared by every operation and exclusively by Close, so
	// the keys are never cleared under a running transaction.
	life   sync.RWMutex
	closed bool
	vault  []byte
	keys   *keys

	// writer serializes Update within this process; busy_timeout covers
	// other processes.
	writer sync.Mutex
}

// Exists reports whether dir holds a database file. It does not check
// that the file is a trustdesk database.
func Exists(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, fileName))
	return err == nil
}

// Create makes a new store in dir, creating dir if needed, with a fresh
// random vault key sealed by passphrase. It returns ErrExists if dir already
// holds a database. The database appears only when it is complete.
func Create(dir string, passphrase []byte, opt Options) (*DB, error) {
	return create(dir, passphrase, opt, nil, ErrExists)
}

// create builds a new store, letting fill add records before the database
// is moved into place.
func create(dir string, passphrase []byte, opt Options, fill func(*DB) error, errTaken error) (*DB, error) {
	wf, err := opt.workFactor()
	if err != nil {
		return nil, err
	}
	if len(passphrase) == 0 {
		return nil, errEmptyPassphrase
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if Exists(dir) {
		return nil, errTaken
	}
	vault := make([]byte, vaultKeySize)
	rand.Read(vault)
	sealed, err := sealVault(vault, passphrase, wf)
	if err != nil {
		return nil, err
	}
	k, err := deriveKeys(vault)
	if err != nil {
		return nil, err
	}
	err = build(dir, func(sdb *sql.DB) error {
		if _, err := sdb.Exec("INSERT INTO vault (id, sealed) VALUES (1, ?)", sealed); err != nil {
			return err
		}
		if fill == nil {
			return nil
		}
		return fill(&DB{dir: dir, sql: sdb, workFactor: wf, vault: vault, keys: k})
	}, errTaken)
	if err != nil {
		return nil, err
	}
	return openWithVault(dir, vault, k, wf)
}

// openWithVault opens the database in dir, already unlocked.
func openWithVault(dir string, vault []byte, k *keys, wf int) (*DB, error) {
	path := filepath.Join(dir, fileName)
	if err := probe(path); err != nil {
		return nil, err
	}
	sdb, err := openSQL(path)
	if err != nil {
		return nil, err
	}
	if err := migrate(sdb); err != nil {
		sdb.Close()
		return nil, err
	}
	return &DB{dir: dir, sql: sdb, workFactor: wf, vault: vault, keys: k}, nil
}

// Open unlocks the store in dir with passphrase. It returns
// ErrNotInitialized if there is no database, ErrForeign if the file is not
// a trustdesk database, ErrWrongPassphrase if the passphrase does not
// match, and ErrDamaged if the sealed vault key is unreadable. Pending
// schema migrations run only after the passphrase is verified, so a failed
// Open changes nothing. A database written by a newer program is refused.
func Open(dir string, passphrase []byte, opt Options) (*DB, error) {
	wf, err := opt.workFactor()
	if err != nil {
		return nil, err
	}
	if len(passphrase) == 0 {
		return nil, errEmptyPassphrase
	}
	path := filepath.Join(dir, fileName)
	if err := probe(path); err != nil {
		return nil, err
	}
	sdb, err := openSQL(path)
	if err != nil {
		return nil, err
	}
	db, err := unlock(sdb, passphrase, opt.maxWorkFactor())
	if err != nil {
		sdb.Close()
		return nil, err
	}
	if err := migrate(sdb); err != nil {
		db.Close()
		return nil, err
	}
	db.dir = dir
	db.workFactor = wf
	return db, nil
}

// unlock checks the schema version and opens the sealed vault key.
func unlock(sdb *sql.DB, passphrase []byte, maxWF int) (*DB, error) {
	var appID int64
	if err := sdb.QueryRow("PRAGMA application_id").Scan(&appID); err != nil {
		return nil, err
	}
	if appID != applicationID {
		return nil, ErrForeign
	}
	v, err := schemaVersion(context.Background(), sdb)
	if err != nil {
		return nil, err
	}
	if v > len(migrations) {
		return nil, errNewer(v)
	}
	if v < 1 {
		return nil, fmt.Errorf("%w: database has no schema", ErrDamaged)
	}
	var sealed []byte
	err = sdb.QueryRow("SELECT sealed FROM vault WHERE id = 1").Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: the sealed vault is missing (wiped?)", ErrDamaged)
	}
	if err != nil {
		return nil, err
	}
	vault, err := unsealVault(sealed, passphrase, maxWF)
	if err != nil {
		return nil, err
	}
	k, err := deriveKeys(vault)
	if err != nil {
		return nil, err
	}
	return &DB{sql: sdb, vault: vault, keys: k}, nil
}

// alive returns an error if db is closed.
func (db *DB) alive() error {
	db.life.RLock()
	defer db.life.RUnlock()
	if db.closed {
		return errClosed
	}
	return nil
}

// Dir returns the directory holding the database.
func (db *DB) Dir() string { return db.dir }

// Close closes the database and clears the keys held in memory. Further
// use of db returns an error. Close is idempotent.
func (db *DB) Close() error {
	db.life.Lock()
	defer db.life.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	err := db.sql.Close()
	clear(db.vault)
	db.keys.wipe()
	return err
}

// ChangePassphrase replaces the vault key with a fresh random one sealed
// under newPassphrase (with the work factor the store was opened with) and
// encrypts every record again under it, all in one transaction: a crash
// leaves either the old passphrase and old key or the new ones, never a
// mix. Afterwards an old copy of the database, or only its sealed vault,
// opened with the old passphrase, yields a key that reads nothing written
// since. The write-ahead log is truncated so the old rows do not linger
// in it, and secure_delete zeroes the pages they occupied.
func (db *DB) ChangePassphrase(newPassphrase []byte) error {
	if len(newPassphrase) == 0 {
		return errEmptyPassphrase
	}
	if err := db.alive(); err != nil {
		return err
	}
	vault := make([]byte, vaultKeySize)
	rand.Read(vault)
	sealed, err := sealVault(vault, newPassphrase, db.workFactor)
	if err != nil {
		return err
	}
	nk, err := deriveKeys(vault)
	if err != nil {
		return err
	}
	// Readers and writers hold life shared and use db.keys: the change
	// holds it exclusively, so nobody reads with a key that is going away.
	db.life.Lock()
	defer db.life.Unlock()
	if db.closed {
		clear(vault)
		nk.wipe()
		return errClosed
	}
	if err := rekey(db.sql, db.keys, nk, sealed); err != nil {
		clear(vault)
		nk.wipe()
		return fmt.Errorf("store: change passphrase: %w", err)
	}
	clear(db.vault)
	db.keys.wipe()
	db.vault, db.keys = vault, nk
	db.checkpoint()
	return nil
}

// rekeyBatch is how many records [rekey] holds in memory at once.
const rekeyBatch = 256

// rekey encrypts every record again from the old keys to the new ones and
// stores the new sealed vault, in one transaction. The records are copied
// into a scratch table in batches (their tags change, so they cannot be
// rewritten in place while being walked in order) and then moved back.
func rekey(sdb *sql.DB, old, nk *keys, sealed []byte) error {
	ctx := context.Background()
	tx, err := sdb.BeginTx(ctx, nil) // BEGIN IMMEDIATE through _txlock
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TABLE rekey (
		bucket TEXT NOT NULL, grp BLOB NOT NULL, key BLOB NOT NULL, body BLOB NOT NULL,
		PRIMARY KEY (bucket, grp, key)) STRICT, WITHOUT ROWID`); err != nil {
		return err
	}
	type row struct {
		bucket         string
		grp, key, body []byte
	}
	var last *row
	for {
		var rows *sql.Rows
		if last == nil {
			rows, err = tx.Query("SELECT bucket, grp, key, body FROM records ORDER BY bucket, grp, key LIMIT ?", rekeyBatch)
		} else {
			rows, err = tx.Query(`SELECT bucket, grp, key, body FROM records
				WHERE (bucket, grp, key) > (?, ?, ?) ORDER BY bucket, grp, key LIMIT ?`,
				last.bucket, last.grp, last.key, rekeyBatch)
		}
		if err != nil {
			return err
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.bucket, &r.grp, &r.key, &r.body); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range batch {
			group, key, value, err := old.open(r.bucket, r.grp, r.key, r.body)
			if err != nil {
				return err
			}
			if !hmac.Equal(old.keyTag(r.bucket, group, key), r.key) || !hmac.Equal(old.groupTag(r.bucket, group), r.grp) {
				return fmt.Errorf("%w: record is filed under the wrong key", ErrDamaged)
			}
			gtag, ktag := nk.groupTag(r.bucket, group), nk.keyTag(r.bucket, group, key)
			body := nk.seal(r.bucket, gtag, ktag, group, key, value)
			clear(value)
			if _, err := tx.Exec("INSERT INTO rekey (bucket, grp, key, body) VALUES (?, ?, ?, ?)", r.bucket, gtag, ktag, body); err != nil {
				return err
			}
		}
		if len(batch) < rekeyBatch {
			break
		}
		last = &batch[len(batch)-1]
	}
	for _, stmt := range []string{
		"DELETE FROM records",
		"INSERT INTO records (bucket, grp, key, body) SELECT bucket, grp, key, body FROM rekey",
		"DROP TABLE rekey",
	} {
		if _, err := tx.Exec(stmt); err != nil {
			return err
		}
	}
	res, err := tx.Exec("UPDATE vault SET sealed = ? WHERE id = 1", sealed)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%w: the sealed vault is missing", ErrDamaged)
	}
	return tx.Commit()
}

// checkpoint copies the write-ahead log into the database and truncates
// it, so superseded pages do not linger in the log file. It is best effort:
// a concurrent reader can keep old frames alive until the next checkpoint.
func (db *DB) checkpoint() {
	db.sql.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
}
