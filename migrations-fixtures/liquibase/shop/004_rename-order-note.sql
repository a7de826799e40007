--liquibase formatted sql

--changeset shop:004_rename-order-note
--comment: Breaking (old code still reads orders.note) but reversible.
ALTER TABLE orders RENAME COLUMN note TO customer_note;
--rollback ALTER TABLE orders RENAME COLUMN customer_note TO note;
