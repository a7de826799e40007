-- Deploy shop:003_index-orders-customer to pg
-- CREATE INDEX CONCURRENTLY cannot run inside a transaction block: no BEGIN/COMMIT here.

CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
