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
	if err := db.alive(); err != nil {
		return err
	}
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return errEmptyPassphrase
	}
	r.SetWorkFactor(db.workFactor)
	// The scrypt run happens here, before the read transaction starts.
	aw, err := age.Encrypt(w, r)
	releaseScryptMemory()
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return db.View(func(tx *Tx) error {
		var n uint64
		if err := tx.tx.QueryRow("SELECT count(*) FROM records").Scan(&n); err != nil {
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
// [DB.Backup]. The new store gets a fresh vault key, sealed by passphrase
// (the one that opens the backup) with opt's work factor. It
// returns ErrNotEmpty if dir already holds a database, ErrWrongPassphrase if
// the passphrase does not open the backup, and ErrDamaged if the backup is
// altered, truncated, larger than 1 GiB decrypted, or not a backup. (An
// alteration of the passphrase block itself cannot be told from a wrong
// passphrase.) On any failure no database is left in dir.
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
	br, err := newBackupReader(pr)
	if err != nil {
		return nil, err
	}
	fill := func(db *DB) error {
		return db.Update(func(tx *Tx) error {
			for {
				rec, ok, err := br.next()
				if err != nil {
					return err
				}
				if !ok {
					return nil
				}
				if err := tx.insert(rec); err != nil {
					return err
				}
			}
		})
	}
	return create(dir, passphrase, opt, fill, ErrNotEmpty)
}

// backupReader decodes the decrypted content of a backup.
type backupReader struct {
	lr   *limitedReader
	dec  *cbor.Decoder
	hdr  backupHeader
	read uint64
}

// newBackupReader reads and checks the header of a backup's content.
func newBackupReader(r io.Reader) (*backupReader, error) {
	br := &backupReader{lr: &limitedReader{r: r, n: maxBackupSize}}
	br.dec = backupDec.NewDecoder(br.lr)
	if err := br.dec.Decode(&br.hdr); err != nil {
		return nil, br.damaged("unreadable header", err)
	}
	if br.hdr.Format != backupFormat {
		return nil, br.damaged("not a trustdesk backup", nil)
	}
	if br.hdr.Version != backupVersion {
		if br.hdr.Version > backupVersion {
			return nil, fmt.Errorf("restore: backup format %d was written by a newer version of trustdesk", br.hdr.Version)
		}
		return nil, br.damaged("unknown backup format version", nil)
	}
	return br, nil
}

// next returns the next record, or ok false after the last one announced
// by the header once it has checked that nothing follows.
func (br *backupReader) next() (rec backupRecord, ok bool, err error) {
	if br.read == br.hdr.Records {
		var extra cbor.RawMessage
		if err := br.dec.Decode(&extra); !errors.Is(err, io.EOF) {
			return rec, false, br.damaged("data after the last record", err)
		}
		return rec, false, nil
	}
	if err := br.dec.Decode(&rec); err != nil {
		if errors.Is(err, io.EOF) {
			return rec, false, br.damaged("fewer records than announced", nil)
		}
		return rec, false, br.damaged("unreadable record", err)
	}
	if err := checkBucket(rec.Bucket); err != nil {
		return rec, false, br.damaged("bad bucket name", nil)
	}
	br.read++
	return rec, true, nil
}

// damaged builds the ErrDamaged error for what went wrong.
func (br *backupReader) damaged(what string, err error) error {
	if br.lr.over {
		return fmt.Errorf("restore: %w: backup is larger than %d bytes", ErrDamaged, maxBackupSize)
	}
	if err != nil {
		return fmt.Errorf("restore: %w: %s: %v", ErrDamaged, what, err)
	}
	return fmt.Errorf("restore: %w: %s", ErrDamaged, what)
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
