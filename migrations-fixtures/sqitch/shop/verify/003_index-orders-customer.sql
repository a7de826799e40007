-- Verify shop:003_index-orders-customer on pg
-- Fails (division by zero) when the index is missing or invalid.

SELECT 1 / count(*) FROM pg_index WHERE indexrelid = 'orders_customer_id_idx'::regclass AND indisvalid;
