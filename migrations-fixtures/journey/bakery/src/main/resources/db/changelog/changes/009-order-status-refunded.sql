--liquibase formatted sql

--changeset jonas:009-order-status-refunded
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('new', 'paid', 'shipped', 'refunded'));
--rollback ALTER TABLE orders DROP CONSTRAINT orders_status_check;
--rollback ALTER TABLE orders ADD CONSTRAINT orders_status_check
--rollback   CHECK (status IN ('new', 'paid', 'shipped'));
