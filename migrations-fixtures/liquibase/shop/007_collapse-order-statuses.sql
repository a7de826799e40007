--liquibase formatted sql

--changeset shop:007_collapse-order-statuses
--comment: Irreversible: 'void' and 'refunded' both become 'cancelled'; which was which is lost. No rollback is written.
UPDATE orders SET status = 'cancelled' WHERE status IN ('void', 'refunded');
