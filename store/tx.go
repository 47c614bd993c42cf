package store

import (
	"bytes"
	"context"
	"crypto/hmac"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"modernc.org/sqlite"
)

// maxBucketLen is the longest bucket name.
const maxBucketLen = 64

var errTxDone = errors.New("store: transaction already finished")

// Tx is a transaction, valid only inside the function given to
// [DB.Update] or [DB.View]. It must not be used from several goroutines at
// once.
type Tx struct {
	db       *DB
	tx       *sql.Tx
	writable bool
	done     bool
	// stmts holds the statements prepared in this transaction, by
	// query: SQLite parses each query once per transaction instead of at
	// every call (an import puts and gets thousands of records). The
	// driver closes them when the transaction ends.
	stmts map[string]*sql.Stmt
}

// Record is one decrypted record of a group.
type Record struct {
	Key, Value []byte
}

// Update runs fn in one write transaction (BEGIN IMMEDIATE). If fn returns
// an error or panics, everything it wrote is rolled back and the error is
// returned (the panic is re-raised); otherwise the transaction commits.
// Writers are serialized. fn must not call Update, View or Close.
func (db *DB) Update(fn func(tx *Tx) error) error {
	return db.run(true, fn)
}

// View runs fn in one read transaction: it sees a consistent snapshot and
// cannot write. Readers do not wait for writers. fn must not call Update,
// View or Close.
func (db *DB) View(fn func(tx *Tx) error) error {
	return db.run(false, fn)
}

func (db *DB) run(writable bool, fn func(tx *Tx) error) error {
	return busy(db.runTx(writable, fn))
}

// busy returns err as ErrBusy if SQLite gave up waiting for another
// program's write (SQLITE_BUSY once busyTimeout passed).
func busy(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqliteBusy {
		return fmt.Errorf("%w: %w", ErrBusy, err)
	}
	return err
}

// sqliteBusy is SQLite's primary result code SQLITE_BUSY.
const sqliteBusy = 5

func (db *DB) runTx(writable bool, fn func(tx *Tx) error) (err error) {
	db.life.RLock()
	defer db.life.RUnlock()
	if db.closed {
		return errClosed
	}
	if writable {
		db.writer.Lock()
		defer db.writer.Unlock()
	}
	// Without ReadOnly the driver begins with BEGIN IMMEDIATE (_txlock);
	// with it, a plain deferred BEGIN that only reads.
	stx, err := db.sql.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: !writable})
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{db: db, tx: stx, writable: writable}
	committed := false
	defer func() {
		tx.done = true
		if !committed {
			stx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if !writable {
		return nil // the deferred rollback ends the read transaction
	}
	committed = true
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// stmt returns query prepared in this transaction.
func (tx *Tx) stmt(query string) (*sql.Stmt, error) {
	if st := tx.stmts[query]; st != nil {
		return st, nil
	}
	st, err := tx.tx.Prepare(query)
	if err != nil {
		return nil, err
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st, nil
}

// exec runs query, prepared once in this transaction.
func (tx *Tx) exec(query string, args ...any) error {
	st, err := tx.stmt(query)
	if err == nil {
		_, err = st.Exec(args...)
	}
	return err
}

func (tx *Tx) check(bucket string, write bool) error {
	if tx.done {
		return errTxDone
	}
	if write && !tx.writable {
		return errors.New("store: write in a read-only transaction")
	}
	return checkBucket(bucket)
}

// checkBucket accepts the fixed bucket names the program uses: 1 to 64
// ASCII letters, digits and "._-/:". Bucket names are stored in plaintext,
// so they must never carry personal data.
func checkBucket(bucket string) error {
	if len(bucket) == 0 || len(bucket) > maxBucketLen {
		return fmt.Errorf("store: invalid bucket name %q", bucket)
	}
	for i := 0; i < len(bucket); i++ {
		c := bucket[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/' || c == ':') {
			return fmt.Errorf("store: invalid bucket name %q", bucket)
		}
	}
	return nil
}

// Put stores value under bucket, group and key, replacing any earlier
// value. Group, key and value are encrypted; only the bucket name is stored
// as is.
func (tx *Tx) Put(bucket string, group, key, value []byte) error {
	if err := tx.check(bucket, true); err != nil {
		return err
	}
	k := tx.db.keys
	gtag := k.groupTag(bucket, group)
	ktag := k.keyTag(bucket, group, key)
	body := k.seal(bucket, gtag, ktag, group, key, value)
	err := tx.exec(`INSERT INTO records (bucket, grp, key, body) VALUES (?, ?, ?, ?)
		ON CONFLICT (bucket, grp, key) DO UPDATE SET body = excluded.body`, bucket, gtag, ktag, body)
	if err != nil {
		return fmt.Errorf("store: put: %w", err)
	}
	return nil
}

// Get returns the value stored under bucket, group and key, or ErrNotFound.
// A record that fails authentication is ErrDamaged.
func (tx *Tx) Get(bucket string, group, key []byte) ([]byte, error) {
	if err := tx.check(bucket, false); err != nil {
		return nil, err
	}
	k := tx.db.keys
	gtag := k.groupTag(bucket, group)
	ktag := k.keyTag(bucket, group, key)
	body, err := tx.body(bucket, gtag, ktag)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: get: %w", err)
	}
	gotGroup, gotKey, value, err := k.open(bucket, gtag, ktag, body)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(gotGroup, group) || !bytes.Equal(gotKey, key) {
		return nil, fmt.Errorf("%w: record holds another key", ErrDamaged)
	}
	return value, nil
}

// body returns the stored body of the record under the tags, or
// sql.ErrNoRows. It is the driver's own copy of the row's bytes, which
// the caller may keep and change (open decrypts it where it is):
// the driver (modernc.org/sqlite, conn.columnBlob) copies every blob it
// reads into a new slice and never reads or reuses it again, and
// database/sql hands it over as it is (sql.RawBytes) where scanning
// into a []byte would copy it once more. A record kept by a start is
// megabytes, and each copy of it a share of that start
// (TestGetValueIsTheCallers checks that values stay the caller's).
func (tx *Tx) body(bucket string, gtag, ktag []byte) ([]byte, error) {
	st, err := tx.stmt("SELECT body FROM records WHERE bucket = ? AND grp = ? AND key = ?")
	if err != nil {
		return nil, err
	}
	rows, err := st.Query(bucket, gtag, ktag)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, sql.ErrNoRows
	}
	var raw sql.RawBytes
	if err := rows.Scan(&raw); err != nil {
		return nil, err
	}
	body := []byte(raw)
	return body, rows.Close()
}

// Delete removes the record under bucket, group and key. Deleting a record
// that does not exist is not an error.
func (tx *Tx) Delete(bucket string, group, key []byte) error {
	if err := tx.check(bucket, true); err != nil {
		return err
	}
	k := tx.db.keys
	gtag := k.groupTag(bucket, group)
	ktag := k.keyTag(bucket, group, key)
	if err := tx.exec("DELETE FROM records WHERE bucket = ? AND grp = ? AND key = ?", bucket, gtag, ktag); err != nil {
		return fmt.Errorf("store: delete: %w", err)
	}
	return nil
}

// DeleteGroup removes every record of group in bucket.
func (tx *Tx) DeleteGroup(bucket string, group []byte) error {
	if err := tx.check(bucket, true); err != nil {
		return err
	}
	gtag := tx.db.keys.groupTag(bucket, group)
	if _, err := tx.tx.Exec("DELETE FROM records WHERE bucket = ? AND grp = ?", bucket, gtag); err != nil {
		return fmt.Errorf("store: delete group: %w", err)
	}
	return nil
}

// Count returns how many records group in bucket holds, without reading
// them.
func (tx *Tx) Count(bucket string, group []byte) (int, error) {
	if err := tx.check(bucket, false); err != nil {
		return 0, err
	}
	var n int
	err := tx.tx.QueryRow("SELECT COUNT(*) FROM records WHERE bucket = ? AND grp = ?", bucket, tx.db.keys.groupTag(bucket, group)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count: %w", err)
	}
	return n, nil
}

// List returns every record of group in bucket, decrypted and sorted by
// key (bytewise). A record that fails authentication makes the whole call
// fail with ErrDamaged; records are never skipped silently. Each value is
// the caller's, as Get's are (TestListValuesAreTheCallers).
func (tx *Tx) List(bucket string, group []byte) ([]Record, error) {
	if err := tx.check(bucket, false); err != nil {
		return nil, err
	}
	k := tx.db.keys
	gtag := k.groupTag(bucket, group)
	rows, err := tx.tx.Query("SELECT key, body FROM records WHERE bucket = ? AND grp = ?", bucket, gtag)
	if err != nil {
		return nil, fmt.Errorf("store: list: %w", err)
	}
	defer rows.Close()
	var recs []Record
	for rows.Next() {
		// Each body as the driver copied it out of SQLite, as body
		// gives it: scanning into a []byte would copy it once more
		// (a start after an update lists every pack of every cell).
		var ktag []byte
		var raw sql.RawBytes
		if err := rows.Scan(&ktag, &raw); err != nil {
			return nil, fmt.Errorf("store: list: %w", err)
		}
		gotGroup, key, value, err := k.open(bucket, gtag, ktag, []byte(raw))
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(gotGroup, group) || !hmac.Equal(k.keyTag(bucket, group, key), ktag) {
			return nil, fmt.Errorf("%w: record is filed under the wrong key", ErrDamaged)
		}
		recs = append(recs, Record{Key: key, Value: value})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list: %w", err)
	}
	slices.SortFunc(recs, func(a, b Record) int { return bytes.Compare(a.Key, b.Key) })
	return recs, nil
}
