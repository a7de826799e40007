-- The shop's first schema: customers, products, orders and their items.
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
