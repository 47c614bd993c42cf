package store

import (
	"database/sql"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"github.com/fxamacker/cbor/v2"
)

const (
	// backupFormat names the content of a backup file.
	backupFormat = "trustdesk-store-backup"
	// backupVersion is the current backup format version.
	backupVersion = 1
)

// maxBackupSize bounds the decrypted content Restore reads, against a
// small file that decrypts or decodes to something huge. Tests lower it.
var maxBackupSize int64 = 1 << 30

// backupHeader is the first item of a backup's CBOR sequence.
type backupHeader struct {
	Format  string `cbor:"format"`
	Version uint64 `cbor:"version"`
	Records uint64 `cbor:"records"`
}

// backupRecord is one record of a backup, in plaintext.
type backupRecord struct {
	Bucket string `cbor:"bucket"`
	Group  []byte `cbor:"group"`
	Key    []byte `cbor:"key"`
	Value  []byte `cbor:"value"`
}

var (
	backupEnc cbor.EncMode
	backupDec cbor.DecMode
)

func init() {
	eo := cbor.CoreDetEncOptions()
	eo.NilContainers = cbor.NilContainerAsEmpty
	var err error
	if backupEnc, err = eo.EncMode(); err != nil {
		panic(err)
	}
	backupDec, err = cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		MaxNestedLevels:   4,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// Backup writes every record, decrypted, to w as one file encrypted with
// passphrase (age, scrypt recipient, the store's work factor). The content
// is a CBOR sequence: a header {format, version, records} followed by that
// many {bucket, group, key, value} records, in core deterministic encoding.
// It reflects one consistent snapshot. On error, what was written to w is
// incomplete and must be discarded.
func (db *DB) Backup(w io.Writer, passphrase []byte) error {
	if len(passphrase) == 0 {
		return errEmptyPassphrase
	}
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return errEmptyPassphrase
	}
	r.SetWorkFactor(db.workFactor)
	return db.View(func(tx *Tx) error {
		var n uint64
		if err := tx.tx.QueryRow("SELECT count(*) FROM records").Scan(&n); err != nil {
			return fmt.Errorf("store: backup: %w", err)
		}
		aw, err := age.Encrypt(w, r)
		if err != nil {
			return fmt.Errorf("store: backup: %w", err)
		}
		enc := backupEnc.NewEncoder(aw)
		if err := enc.Encode(backupHeader{Format: backupFormat, Version: backupVersion, Records: n}); err != nil {
			return fmt.Errorf("store: backup: %w", err)
		}
		rows, err := tx.tx.Query("SELECT bucket, grp, key, body FROM records ORDER BY bucket, grp, key")
		if err != nil {
			return fmt.Errorf("store: backup: %w", err)
		}
		defer rows.Close()
		var written uint64
		for rows.Next() {
			var rec backupRecord
			var gtag, ktag, body []byte
			if err := rows.Scan(&rec.Bucket, &gtag, &ktag, &body); err != nil {
				return fmt.Errorf("store: backup: %w", err)
			}
			rec.Group, rec.Key, rec.Value, err = tx.db.keys.open(rec.Bucket, gtag, ktag, body)
			if err != nil {
				return err
			}
			if err := enc.Encode(rec); err != nil {
				return fmt.Errorf("store: backup: %w", err)
			}
			written++
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: backup: %w", err)
		}
		if written != n {
			return errors.New("store: backup: records changed while writing")
		}
		if err := aw.Close(); err != nil {
			return fmt.Errorf("store: backup: %w", err)
		}
		return nil
	})
}

// Restore creates a new store in dir from a backup written by
// [DB.Backup], sealed by the same passphrase under a fresh vault key. It
// returns ErrNotEmpty if dir already holds a database, ErrWrongPassphrase if
// the passphrase does not open the backup, and ErrDamaged if the backup is
// altered, truncated, larger than 1 GiB decrypted, or not a backup. On any
// failure nothing is left in dir.
func Restore(dir string, r io.Reader, passphrase []byte, opt Options) (*DB, error) {
	if _, err := opt.workFactor(); err != nil {
		return nil, err
	}
	if len(passphrase) == 0 {
		return nil, errEmptyPassphrase
	}
	if Exists(dir) {
		return nil, ErrNotEmpty
	}
	pr, err := decryptScrypt(r, passphrase, opt.maxWorkFactor())
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	lr := &limitedReader{r: pr, n: maxBackupSize}
	dec := backupDec.NewDecoder(lr)
	damaged := func(what string, err error) error {
		if lr.over {
			return fmt.Errorf("restore: %w: backup is larger than %d bytes", ErrDamaged, maxBackupSize)
		}
		if err != nil {
			return fmt.Errorf("restore: %w: %s: %v", ErrDamaged, what, err)
		}
		return fmt.Errorf("restore: %w: %s", ErrDamaged, what)
	}
	var hdr backupHeader
	if err := dec.Decode(&hdr); err != nil {
		return nil, damaged("unreadable header", err)
	}
	if hdr.Format != backupFormat {
		return nil, damaged("not a trustdesk backup", nil)
	}
	if hdr.Version != backupVersion {
		if hdr.Version > backupVersion {
			return nil, fmt.Errorf("restore: backup format %d was written by a newer version of trustdesk", hdr.Version)
		}
		return nil, damaged("unknown backup format version", nil)
	}
	fill := func(db *DB) error {
		return db.Update(func(tx *Tx) error {
			for i := uint64(0); i < hdr.Records; i++ {
				var rec backupRecord
				if err := dec.Decode(&rec); err != nil {
					if errors.Is(err, io.EOF) {
						return damaged("fewer records than announced", nil)
					}
					return damaged("unreadable record", err)
				}
				if err := checkBucket(rec.Bucket); err != nil {
					return damaged("bad bucket name", nil)
				}
				if err := tx.insert(rec); err != nil {
					return err
				}
			}
			var extra cbor.RawMessage
			if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
				return damaged("data after the last record", err)
			}
			return nil
		})
	}
	return create(dir, passphrase, opt, fill, ErrNotEmpty)
}

// insert adds a record that must not exist yet; a duplicate in a backup
// means the backup is damaged.
func (tx *Tx) insert(rec backupRecord) error {
	k := tx.db.keys
	gtag := k.groupTag(rec.Bucket, rec.Group)
	ktag := k.keyTag(rec.Bucket, rec.Group, rec.Key)
	var exists bool
	err := tx.tx.QueryRow("SELECT 1 FROM records WHERE bucket = ? AND grp = ? AND key = ?", rec.Bucket, gtag, ktag).Scan(&exists)
	switch {
	case err == nil:
		return fmt.Errorf("restore: %w: duplicate record", ErrDamaged)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("restore: %w", err)
	}
	body := k.seal(rec.Bucket, gtag, ktag, rec.Group, rec.Key, rec.Value)
	if _, err := tx.tx.Exec("INSERT INTO records (bucket, grp, key, body) VALUES (?, ?, ?, ?)", rec.Bucket, gtag, ktag, body); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

// limitedReader reads at most n bytes and then fails, remembering that the
// limit was hit.
type limitedReader struct {
	r    io.Reader
	n    int64
	over bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Probe for one more byte to tell a file of exactly n bytes from a
		// longer one.
		var b [1]byte
		if k, err := l.r.Read(b[:]); k > 0 {
			l.over = true
			return 0, errors.New("size limit exceeded")
		} else if err != nil {
			return 0, err
		}
		return 0, nil
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}
