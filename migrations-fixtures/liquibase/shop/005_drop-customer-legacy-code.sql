--liquibase formatted sql

--changeset shop:005_drop-customer-legacy-code
--comment: Destructive: the values in customers.legacy_code are gone after this; the rollback brings the column back empty.
ALTER TABLE customers DROP COLUMN legacy_code;
--rollback ALTER TABLE customers ADD COLUMN legacy_code text;
