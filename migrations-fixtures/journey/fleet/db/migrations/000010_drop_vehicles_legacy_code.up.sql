ALTER TABLE vehicles DROP COLUMN IF EXISTS legacy_code;
