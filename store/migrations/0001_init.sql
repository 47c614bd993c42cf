-- 0001: the sealed vault key and the encrypted records.
--
-- vault holds exactly one row: the random vault key, sealed by the
-- passphrase as an age file with a single scrypt recipient.
CREATE TABLE vault (
	id     INTEGER PRIMARY KEY CHECK (id = 1),
	sealed BLOB NOT NULL
) STRICT;

-- records holds every value. bucket is a fixed name chosen by the program;
-- grp and key are HMAC tags of the caller's group and key, never the
-- group or key themselves; body is the XChaCha20-Poly1305 sealed original
-- key and value.
CREATE TABLE records (
	bucket TEXT NOT NULL,
	grp    BLOB NOT NULL,
	key    BLOB NOT NULL,
	body   BLOB NOT NULL,
	PRIMARY KEY (bucket, grp, key)
) STRICT, WITHOUT ROWID;
