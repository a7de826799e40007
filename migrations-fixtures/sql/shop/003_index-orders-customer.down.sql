-- dbrollback:no-transaction
DROP INDEX CONCURRENTLY orders_customer_id_idx;
