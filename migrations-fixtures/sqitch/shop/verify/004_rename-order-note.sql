-- Verify shop:004_rename-order-note on pg

SELECT customer_note FROM orders WHERE FALSE;
