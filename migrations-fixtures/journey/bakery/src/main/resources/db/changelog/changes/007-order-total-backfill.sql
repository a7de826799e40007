--liquibase formatted sql

--changeset jonas:007-orders-total-column
ALTER TABLE orders ADD COLUMN total_cents bigint;
--rollback ALTER TABLE orders DROP COLUMN total_cents;

--changeset jonas:007-orders-total-backfill
--comment: fill total_cents for the orders placed before the column existed
UPDATE orders SET total_cents = order_total_cents(id) WHERE total_cents IS NULL;
--rollback not required
