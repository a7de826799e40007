-- Expand: a denormalised copy of the customer's email on each order, filled
-- from customers in the same migration. No value that existed before changes:
-- the column is new, so the backfill is part of creating it.
ALTER TABLE orders ADD COLUMN customer_email text;

UPDATE orders o
   SET customer_email = (SELECT c.email FROM customers c WHERE c.id = o.customer_id);
