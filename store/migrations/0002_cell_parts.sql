-- 0002: cells are kept in parts (a header, packs of statements, the
-- document in chunks) instead of one record each. The tables do not
-- change: the program moves the encrypted records itself on the first
-- open with the passphrase (package core, home format 2). This step only
-- raises the schema version, so that a program from before refuses the
-- database plainly ("written by a newer version") instead of failing to
-- read its cells.
SELECT 1;
