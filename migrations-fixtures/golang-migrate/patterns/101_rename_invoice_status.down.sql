BEGIN;
ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_state_check;
ALTER TABLE invoices RENAME COLUMN state TO status;
COMMIT;
