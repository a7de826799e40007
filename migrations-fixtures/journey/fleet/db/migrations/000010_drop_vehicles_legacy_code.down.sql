ALTER TABLE vehicles ADD COLUMN IF NOT EXISTS legacy_code varchar(16);
