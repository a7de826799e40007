-- golang-migrate sends this file as one Exec: an implicit transaction, so the four drops go together or not at all.
DROP TABLE order_items;
DROP TABLE orders;
DROP TABLE products;
DROP TABLE customers;
