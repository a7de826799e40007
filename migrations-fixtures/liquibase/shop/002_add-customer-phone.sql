--liquibase formatted sql

--changeset shop:002_add-customer-phone
--comment: Additive: a nullable column; old code keeps working.
ALTER TABLE customers ADD COLUMN phone text;
--rollback ALTER TABLE customers DROP COLUMN phone;
