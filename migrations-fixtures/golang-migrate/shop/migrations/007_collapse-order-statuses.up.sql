-- Irreversible: 'void' and 'refunded' both become 'cancelled'; which was which is lost. No .down.sql: golang-migrate would step back over it running nothing, dbrollback refuses to.
UPDATE orders SET status = 'cancelled' WHERE status IN ('void', 'refunded');
