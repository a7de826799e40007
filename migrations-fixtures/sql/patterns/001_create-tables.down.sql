DROP TABLE sessions;
DROP TABLE orders;
DROP TABLE customers;
DROP TYPE order_status;
