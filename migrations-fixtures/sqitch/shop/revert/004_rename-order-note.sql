-- Revert shop:004_rename-order-note from pg

BEGIN;
ALTER TABLE orders RENAME COLUMN customer_note TO note;
COMMIT;
