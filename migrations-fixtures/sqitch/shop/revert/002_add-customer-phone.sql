-- Revert shop:002_add-customer-phone from pg

BEGIN;
ALTER TABLE customers DROP COLUMN phone;
COMMIT;
