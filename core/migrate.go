package core

import (
	"errors"
	"fmt"
	"strconv"

	"trustdesk/crdt"
	"trustdesk/store"
)

// Home formats: how core lays out its records in the store. A home is
// moved to the newest format on the first open with its passphrase, one
// numbered step after another, all in one transaction: a crash leaves the
// home as it was, and the next open tries again.
//
//	1  each cell one record: a snapshot of it (or a plain document)
//	2  each cell in parts: a header, packs of statements, the document
//	   in chunks (see putCell), so storing a change writes what is new
//	3  contacts only introduced through a cell kept apart from the
//	   others (bucketIntroduced), so a start does not read them
//
// The derived states kept beside the cells (bucketState) need no step: a
// home without them (or with ones kept by another version) derives its
// cells at the next start and keeps their states then.
//
// The format is recorded under bucketSelf, keyFormat (absent: 1).
var keyFormat = []byte("format")

// homeSteps[i] moves a home from format i+1 to format i+2.
var homeSteps = []func(tx *store.Tx) error{
	cellsToParts,
	introducedApart,
}

// homeFormat is the format this program writes.
var homeFormat = len(homeSteps) + 1

func putFormat(tx *store.Tx) error {
	return tx.Put(bucketSelf, nil, keyFormat, []byte(strconv.Itoa(homeFormat)))
}

func readFormat(tx *store.Tx) (int, error) {
	b, err := tx.Get(bucketSelf, nil, keyFormat)
	if errors.Is(err, store.ErrNotFound) {
		return 1, nil
	}
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(string(b))
	if err != nil || v < 1 {
		return 0, fmt.Errorf("%w: unreadable home format", store.ErrDamaged)
	}
	return v, nil
}

// migrateHome moves the home in db to the newest format.
func migrateHome(db *store.DB) error {
	var v int
	err := db.View(func(tx *store.Tx) error {
		var err error
		v, err = readFormat(tx)
		return err
	})
	if err != nil || v == homeFormat {
		return err
	}
	return db.Update(func(tx *store.Tx) error {
		v, err := readFormat(tx)
		if err != nil {
			return err
		}
		if v > homeFormat {
			return fmt.Errorf("home was written by a newer version of trustdesk (format %d, this program knows %d)", v, homeFormat)
		}
		for ; v < homeFormat; v++ {
			if err := homeSteps[v-1](tx); err != nil {
				return fmt.Errorf("update home to format %d: %w", v+1, err)
			}
		}
		return putFormat(tx)
	})
}

// cellsToParts stores every cell kept whole in parts.
func cellsToParts(tx *store.Tx) error {
	recs, err := tx.List(bucketCell, nil)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if crdt.IsPartsHeader(r.Value) {
			continue
		}
		c, err := readCell(r.Value)
		if err != nil {
			return fmt.Errorf("read cell: %w", err)
		}
		if id := c.ID(); string(id[:]) != string(r.Key) {
			return fmt.Errorf("read cell: %w: stored under another id", store.ErrDamaged)
		}
		d, err := c.Delta()
		if err != nil {
			return err
		}
		if err := putCell(tx, c, d); err != nil {
			return err
		}
	}
	return nil
}

// introducedApart moves the contacts only introduced through a cell (see
// chosen) to bucketIntroduced.
func introducedApart(tx *store.Tx) error {
	recs, err := tx.List(bucketContact, nil)
	if err != nil {
		return err
	}
	for _, r := range recs {
		c, err := decodeContact(r.Value)
		if err != nil {
			return err
		}
		if id := c.ID(); string(id[:]) != string(r.Key) {
			return fmt.Errorf("read contact: %w: stored under another id", store.ErrDamaged)
		}
		if !chosen(c) {
			if err := putContact(tx, c); err != nil {
				return err
			}
		}
	}
	return nil
}
