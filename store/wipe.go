package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// testHookWipeDestroyed, when set by a test, runs after the sealed vault
// keys are destroyed and before any file is removed; an error stops Wipe
// there, simulating a removal that fails.
var testHookWipeDestroyed func() error

// Wipe destroys the store in dir without needing the passphrase. First it
// overwrites the sealed vault key with random bytes, deletes it (with
// secure_delete on, so SQLite zeroes the freed space) and truncates the
// write-ahead log: from then on the records can no longer be decrypted by
// anyone, even if removing the files fails or the disk keeps old blocks.
// Then it removes the database and SQLite's side files, and any unfinished
// database left by an interrupted Create or Restore. Close every open [DB]
// on dir first. Wiping a directory without a database is not an error.
func Wipe(dir string) error {
	final := filepath.Join(dir, fileName)
	dbs := []string{final}
	tmps, _ := filepath.Glob(filepath.Join(dir, fileName+tempInfix+"*"))
	for _, p := range tmps {
		if !hasSidecarSuffix(p) {
			dbs = append(dbs, p)
		}
	}
	var destroyErr error
	for _, p := range dbs {
		if err := destroyVault(p); err != nil && destroyErr == nil {
			destroyErr = err
		}
	}
	if testHookWipeDestroyed != nil {
		if err := testHookWipeDestroyed(); err != nil {
			return err
		}
	}
	var removeErr error
	for _, p := range dbs {
		if err := removeDBFiles(p); err != nil && removeErr == nil {
			removeErr = err
		}
	}
	syncDir(dir)
	if removeErr != nil {
		if destroyErr != nil {
			return fmt.Errorf("store: wipe: %w (and destroying the vault failed: %v)", removeErr, destroyErr)
		}
		return fmt.Errorf("store: wipe: %w", removeErr)
	}
	return nil
}

func hasSidecarSuffix(p string) bool {
	for _, s := range sidecars {
		if strings.HasSuffix(p, s) {
			return true
		}
	}
	return false
}

// destroyVault overwrites and deletes the sealed vault key of the database
// at path, if it is a trustdesk database, and truncates its write-ahead
// log.
func destroyVault(path string) error {
	if err := probe(path); err != nil {
		if errors.Is(err, ErrNotInitialized) || errors.Is(err, ErrForeign) {
			return nil
		}
		return err
	}
	sdb, err := openSQL(path)
	if err != nil {
		return err
	}
	defer sdb.Close()
	var hasVault bool
	if err := sdb.QueryRow("SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'vault'").Scan(&hasVault); err != nil {
		return err
	}
	if hasVault {
		ctx := context.Background()
		for _, stmt := range []string{
			"UPDATE vault SET sealed = randomblob(length(sealed))",
			"DELETE FROM vault",
		} {
			if err := execTx(ctx, sdb, stmt); err != nil {
				return err
			}
		}
	}
	var busy, logFrames, done int
	if err := sdb.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
		return err
	}
	if busy != 0 {
		return errors.New("store: wipe: database is in use")
	}
	return nil
}

// execTx runs one statement in its own write transaction.
func execTx(ctx context.Context, sdb *sql.DB, stmt string) error {
	tx, err := sdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return err
	}
	return tx.Commit()
}
