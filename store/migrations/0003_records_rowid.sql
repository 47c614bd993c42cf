-- 0003: records move to a table with row ids, found through an index on
-- (bucket, grp, key). In the table without row ids each row, body and
-- all, lived in the key's B-tree, and SQLite reads the whole of a row
-- whose body overflows its page to compare keys with it: finding where a
-- small record goes read the overflow pages of the large ones beside it
-- (a cell's pack of 10,000 statements, its document), megabytes for each
-- write of a few statements. The index now holds only the keys; a body is
-- read when it is asked for. Contents and tags do not change.
CREATE TABLE records_by_rowid (
	bucket TEXT NOT NULL,
	grp    BLOB NOT NULL,
	key    BLOB NOT NULL,
	body   BLOB NOT NULL
) STRICT;
INSERT INTO records_by_rowid (bucket, grp, key, body)
	SELECT bucket, grp, key, body FROM records ORDER BY bucket, grp, key;
DROP TABLE records;
ALTER TABLE records_by_rowid RENAME TO records;
CREATE UNIQUE INDEX records_key ON records (bucket, grp, key);
