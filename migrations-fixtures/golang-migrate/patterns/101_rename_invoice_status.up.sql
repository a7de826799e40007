-- The file opens its own transaction: golang-migrate sends it as one Exec, BEGIN and COMMIT included.
BEGIN;
ALTER TABLE invoices RENAME COLUMN status TO state;
ALTER TABLE invoices ADD CONSTRAINT invoices_state_check CHECK (state IN ('open', 'paid', 'void'));
COMMIT;
