-- Flyway sees CONCURRENTLY and runs this script outside a transaction.
DROP INDEX CONCURRENTLY orders_customer_id_idx;
