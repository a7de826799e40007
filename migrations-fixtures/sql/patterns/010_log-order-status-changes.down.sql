DROP TRIGGER orders_status_log ON orders;
DROP FUNCTION log_order_status();
DROP TABLE order_status_log;
