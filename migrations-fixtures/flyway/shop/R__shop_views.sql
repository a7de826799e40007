-- A repeatable migration: Flyway re-applies it after the versioned ones whenever its checksum changes.
-- It reads only columns no shop migration changes, so it stays valid at every version.
CREATE OR REPLACE VIEW order_totals AS
SELECT order_id, sum(quantity * unit_price_cents) AS total_cents
  FROM order_items
 GROUP BY order_id;
