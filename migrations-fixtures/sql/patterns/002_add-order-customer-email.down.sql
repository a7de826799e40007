-- Drops derived data only: running the up again recomputes it.
ALTER TABLE orders DROP COLUMN customer_email;
