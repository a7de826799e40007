--liquibase formatted sql

--changeset shop:001_create-tables
--comment: The shop's first schema: customers, products, orders and their items.
CREATE TABLE customers (
  id          serial PRIMARY KEY,
  email       text NOT NULL UNIQUE,
  name        text NOT NULL,
  legacy_code text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
  id             serial PRIMARY KEY,
  sku            text NOT NULL UNIQUE,
  sku_normalized text,
  name           text NOT NULL,
  price_cents    integer NOT NULL CHECK (price_cents >= 0)
);

CREATE TABLE orders (
  id          serial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers,
  status      text NOT NULL DEFAULT 'pending',
  note        text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE order_items (
  id               serial PRIMARY KEY,
  order_id         integer NOT NULL REFERENCES orders ON DELETE CASCADE,
  product_id       integer NOT NULL REFERENCES products,
  quantity         integer NOT NULL CHECK (quantity > 0),
  unit_price_cents integer NOT NULL
);
--rollback DROP TABLE order_items;
--rollback DROP TABLE orders;
--rollback DROP TABLE products;
--rollback DROP TABLE customers;

--changeset shop:002_add-customer-phone
--comment: Additive: a nullable column; old code keeps working.
ALTER TABLE customers ADD COLUMN phone text;
--rollback ALTER TABLE customers DROP COLUMN phone;

--changeset shop:003_index-orders-customer runInTransaction:false
--comment: CREATE INDEX CONCURRENTLY cannot run inside a transaction block.
CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
--rollback DROP INDEX CONCURRENTLY orders_customer_id_idx;

--changeset shop:004_rename-order-note
--comment: Breaking (old code still reads orders.note) but reversible.
ALTER TABLE orders RENAME COLUMN note TO customer_note;
--rollback ALTER TABLE orders RENAME COLUMN customer_note TO note;

--changeset shop:005_drop-customer-legacy-code
--comment: Destructive: the values in customers.legacy_code are gone after this; the rollback brings the column back empty.
ALTER TABLE customers DROP COLUMN legacy_code;
--rollback ALTER TABLE customers ADD COLUMN legacy_code text;

--changeset shop:006_backfill-product-sku
--comment: Data rewrite: fill products.sku_normalized (it was NULL before the backfill).
UPDATE products SET sku_normalized = upper(sku) WHERE sku_normalized IS NULL;
--rollback UPDATE products SET sku_normalized = NULL;

--changeset shop:007_collapse-order-statuses
--comment: Irreversible: 'void' and 'refunded' both become 'cancelled'; which was which is lost. No rollback is written.
UPDATE orders SET status = 'cancelled' WHERE status IN ('void', 'refunded');
