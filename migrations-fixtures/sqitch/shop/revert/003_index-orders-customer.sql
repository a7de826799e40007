-- Revert shop:003_index-orders-customer from pg

DROP INDEX CONCURRENTLY orders_customer_id_idx;
