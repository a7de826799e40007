-- migrate:up
-- Irreversible: 'void' and 'refunded' both become 'cancelled'; which was which is lost.
UPDATE orders SET status = 'cancelled' WHERE status IN ('void', 'refunded');

-- migrate:down
-- dbrollback:irreversible
-- Which orders were 'void' and which 'refunded' is lost: the way back is a restore.
