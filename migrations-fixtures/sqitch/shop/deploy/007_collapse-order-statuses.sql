-- Deploy shop:007_collapse-order-statuses to pg
-- Irreversible: 'void' and 'refunded' both become 'cancelled'; which was which is lost.
-- There is no revert script: Sqitch cannot revert this change, and dbrollback refuses to.

BEGIN;
UPDATE orders SET status = 'cancelled' WHERE status IN ('void', 'refunded');
COMMIT;
