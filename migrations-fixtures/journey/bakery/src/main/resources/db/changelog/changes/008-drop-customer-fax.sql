--liquibase formatted sql

--changeset marta:008-drop-customer-fax
--comment: nobody has sent a fax since 2009
ALTER TABLE customers DROP COLUMN fax;
--rollback ALTER TABLE customers ADD COLUMN fax text;
