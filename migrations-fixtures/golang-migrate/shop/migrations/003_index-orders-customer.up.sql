-- CREATE INDEX CONCURRENTLY cannot run inside a transaction block: alone in its file, golang-migrate sends it as one statement.
CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
