--liquibase formatted sql

--changeset shop:003_index-orders-customer runInTransaction:false
--comment: CREATE INDEX CONCURRENTLY cannot run inside a transaction block.
CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
--rollback DROP INDEX CONCURRENTLY orders_customer_id_idx;
