-- Revert shop:005_drop-customer-legacy-code from pg
-- Brings the column back, empty: the dropped values cannot be restored by a revert.

BEGIN;
ALTER TABLE customers ADD COLUMN legacy_code text;
COMMIT;
