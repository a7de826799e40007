-- dbrollback:no-transaction
-- CREATE INDEX CONCURRENTLY cannot run inside a transaction block.
CREATE INDEX CONCURRENTLY orders_created_at_idx ON orders (created_at);
