-- Flyway sees CONCURRENTLY and runs this script outside a transaction.
-- CREATE INDEX CONCURRENTLY cannot run inside a transaction block.
CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
