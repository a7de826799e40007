-- dbrollback:no-transaction
DROP INDEX CONCURRENTLY orders_created_at_idx;
