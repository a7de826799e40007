-- Deploy shop:005_drop-customer-legacy-code to pg
-- Destructive: the values in customers.legacy_code are gone after this.

BEGIN;
ALTER TABLE customers DROP COLUMN legacy_code;
COMMIT;
