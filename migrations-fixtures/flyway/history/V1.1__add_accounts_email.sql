-- A dotted version.
ALTER TABLE accounts ADD COLUMN email text;
