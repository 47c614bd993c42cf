package store

import (
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
)

// Check runs SQLite's full integrity check on the database file and
// returns an error wrapping [ErrDamaged] if it reports any problem.
func (db *DB) Check() error {
	db.life.RLock()
	defer db.life.RUnlock()
	if db.closed {
		return errClosed
	}
	rows, err := db.sql.Query("PRAGMA integrity_check")
	if err != nil {
		return checkFailed(err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return checkFailed(err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return checkFailed(err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("check database: %w: %s", ErrDamaged, strings.Join(problems, "; "))
	}
	return nil
}

// checkFailed wraps an error that stopped the integrity check; SQLite
// stops it with "malformed" (SQLITE_CORRUPT) or "not a database"
// (SQLITE_NOTADB) when a page it needs is damaged, which is [ErrDamaged].
func checkFailed(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code()&0xff == 11 || se.Code()&0xff == 26) {
		return fmt.Errorf("check database: %w: %v", ErrDamaged, err)
	}
	return fmt.Errorf("check database: %w", err)
}
