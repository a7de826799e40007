-- Revert shop:001_create-tables from pg

BEGIN;

DROP TABLE order_items;
DROP TABLE orders;
DROP TABLE products;
DROP TABLE customers;

COMMIT;
