-- Breaking (old code still reads orders.note) but reversible.
ALTER TABLE orders RENAME COLUMN note TO customer_note;
