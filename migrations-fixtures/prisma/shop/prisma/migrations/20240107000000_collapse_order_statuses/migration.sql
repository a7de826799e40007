-- Irreversible: 'void' and 'refunded' both become 'cancelled' (which was which is lost).
UPDATE "orders" SET "status" = 'cancelled' WHERE "status" IN ('void', 'refunded');
