-- A data backfill with no .down.sql: golang-migrate would step back over it running nothing.
UPDATE invoices SET total_cents = 0 WHERE total_cents IS NULL;
