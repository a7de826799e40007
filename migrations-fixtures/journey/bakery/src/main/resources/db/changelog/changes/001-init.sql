--liquibase formatted sql

--changeset marta:001-customers-and-products
--comment: the bakery's first tables
CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  full_name text NOT NULL,
  fax text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE products (
  id bigserial PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  name text NOT NULL,
  price_cents integer NOT NULL CHECK (price_cents >= 0)
);
--rollback DROP TABLE products;
--rollback DROP TABLE customers;
