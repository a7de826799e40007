-- A Unix-time version (migrate create -format unix), after the sequence numbers: versions sort as numbers.
ALTER TABLE invoices ADD COLUMN IF NOT EXISTS note text;
