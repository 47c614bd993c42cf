package store

import (
	"fmt"
	"strings"
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
		return fmt.Errorf("check database: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("check database: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check database: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("check database: %w: %s", ErrDamaged, strings.Join(problems, "; "))
	}
	return nil
}
