--liquibase formatted sql

--changeset ana:010-loyalty-points
CREATE TABLE loyalty_points (
  customer_id bigint PRIMARY KEY REFERENCES customers (id),
  points integer NOT NULL DEFAULT 0
);
--rollback DROP TABLE loyalty_points;
--rollback ALTER TABLE customers DROP COLUMN phone;
