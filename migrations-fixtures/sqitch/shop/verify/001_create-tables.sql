-- Verify shop:001_create-tables on pg

SELECT id, email, name, created_at FROM customers WHERE FALSE;
SELECT id, sku, sku_normalized, name, price_cents FROM products WHERE FALSE;
SELECT id, customer_id, status, created_at FROM orders WHERE FALSE;
SELECT id, order_id, product_id, quantity, unit_price_cents FROM order_items WHERE FALSE;
