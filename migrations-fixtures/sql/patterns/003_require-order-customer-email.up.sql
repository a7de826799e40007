-- The second half of "add nullable, backfill, then constrain": every order has
-- its email now, so the column becomes NOT NULL. Breaking for an application
-- version that inserts orders without it; the down lifts the constraint again.
ALTER TABLE orders ALTER COLUMN customer_email SET NOT NULL;
