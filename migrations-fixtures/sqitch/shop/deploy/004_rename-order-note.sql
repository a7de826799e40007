-- Deploy shop:004_rename-order-note to pg
-- Breaking (old code still reads orders.note) but reversible.

BEGIN;
ALTER TABLE orders RENAME COLUMN note TO customer_note;
COMMIT;
