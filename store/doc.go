// Package store is trustdesk's encrypted key-value store: one SQLite file,
// <dir>/trustdesk.db, in which nothing personal is ever written in
// plaintext. It is the only package that imports SQLite.
//
// # Opening
//
// [Create] makes a new store and [Open] unlocks an existing one with the
// user's passphrase. [Exists] tells whether a directory holds a database.
// [Open] refuses a file that is not a trustdesk database ([ErrForeign],
// recognised by the SQLite application_id "TDsk" before SQLite writes
// anything to it), a wrong passphrase ([ErrWrongPassphrase], nothing is
// changed) and a database written by a newer trustdesk (its schema version
// is higher than this program knows).
//
// # Data model
//
// A record lives under a bucket (a fixed name chosen by the program, such
// as "contacts"), a group (for example a cell id) and a key, all inside a
// transaction: [DB.Update] runs one BEGIN IMMEDIATE write transaction that
// is rolled back if its function returns an error or panics; [DB.View]
// runs a read-only snapshot. [Tx.Put], [Tx.Get], [Tx.Delete], [Tx.List]
// (a whole group, sorted by key) and [Tx.DeleteGroup] work on records.
// A [DB] may be used from many goroutines; writers are serialized.
//
// # What is encrypted, and how
//
// A random 32-byte vault key encrypts everything. It is stored only
// sealed by the passphrase: an age file with a single scrypt recipient
// (work factor 18 by default, that is N = 2^18, r = 8: about a second and
// 256 MiB of memory per attempt), kept in the one-row vault table.
// HKDF-SHA256 derives two subkeys from the vault key, one for lookup tags
// and one for record bodies. Each record is one row of the records table:
//
//	bucket  the bucket name, as is
//	grp     HMAC-SHA256(lookup subkey, bucket, group)
//	key     HMAC-SHA256(lookup subkey, bucket, group, key)
//	body    version byte 1, a random 24-byte nonce, and the
//	        XChaCha20-Poly1305 sealed group, key and value, with the
//	        bucket and both tags as additional data
//
// All fields are length-prefixed and every construction carries its own
// domain label. Groups, keys and values therefore never reach the
// database, its write-ahead log or its shared-memory file in plaintext.
// A body that fails authentication, or that is filed under the wrong
// tags, is reported as [ErrDamaged]; it is never skipped silently.
//
// The connection uses WAL with synchronous=FULL, foreign keys, a busy
// timeout, BEGIN IMMEDIATE transactions and secure_delete, so freed
// space is zeroed. Schema migrations are numbered, embedded and
// append-only; each runs in one transaction that also raises the
// database's user_version.
//
// # Two programs on one home
//
// The desktop app and the command line may open the same home at once.
// [DB.Update] begins with BEGIN IMMEDIATE: it takes SQLite's write lock
// before it reads, so what an Update reads is what it writes over, and a
// second program's Update waits for the first (up to the busy timeout, ten
// seconds; then [ErrBusy], and nothing is written). SQLite's lock is
// released by the operating system when a program dies holding it, on
// Linux and macOS alike: no lock file is left behind. What a program read
// in an earlier transaction may be stale by the time it writes: callers
// that change what they read before (core's cells) check in the write
// transaction that it is unchanged.
//
// # What someone holding the files learns
//
// An attacker with a copy of the files but without the passphrase must
// guess the passphrase, paying the scrypt cost per guess. Without it they
// learn only: that this is a trustdesk store, its schema version and the
// scrypt work factor; the bucket names and how many records each bucket
// holds; which records share a group; the size of each record, that is of
// its group, key and value together (bodies are not padded); and, from file
// timestamps and the pages written, roughly when and how much changed. They cannot tell two stores'
// groups or keys apart, and cannot link equal values. A copy taken while
// the program runs is no different: the passphrase and keys live only in
// memory, and [DB.Close] clears them there (best effort).
//
// # Passphrase, backup and wipe
//
// [DB.ChangePassphrase] makes a new random vault key, seals it under the
// new passphrase and encrypts every record again under it, in one
// transaction (all or nothing even if the process is killed). So the old
// passphrase no longer opens the data: an old copy of the database, or its
// old sealed vault put into a later copy, yields the old vault key, which
// reads nothing written after the change. (An old copy still holds what it
// held when it was taken; nothing can change a copy.) [DB.Backup] writes one age file
// encrypted with a passphrase that holds a versioned CBOR dump of every
// record, and [Restore] turns such a file into a new store with a fresh
// vault key, in a directory without a database, all or nothing: the new
// database is built in a temporary file and moved into place only when
// complete.
//
// The decrypted content of a backup is a CBOR sequence (RFC 8742) in core
// deterministic encoding: first a map {"format": "trustdesk-store-backup",
// "version": 1, "records": N}, then N maps {"bucket": text, "group": bytes,
// "key": bytes, "value": bytes}, then nothing. [Restore] reads at most
// 1 GiB of it and refuses unknown fields, duplicate records and anything
// after the last record.
//
// [DB.Check] runs SQLite's integrity check over the whole file.
//
// [Wipe] needs no passphrase. It first overwrites and deletes the sealed
// vault key and truncates the write-ahead log, which makes every record
// unreadable for good even if the files cannot be removed or the disk keeps
// old blocks, and then removes the database files.
package store
