-- Demo/test rows for the "shop" fixtures. Load after migrations 001 and 002
-- (customers.phone exists, orders.note is not renamed yet, legacy_code is still there).
INSERT INTO customers (email, name, legacy_code, phone) VALUES
  ('ada@example.com',    'Ada Lovelace',    'L-001', '+44 20 7946 0001'),
  ('grace@example.com',  'Grace Hopper',    'L-002', NULL),
  ('edsger@example.com', 'Edsger Dijkstra', NULL,    '+31 20 555 0100'),
  ('barbara@example.com','Barbara Liskov',  'L-004', NULL);

INSERT INTO products (sku, name, price_cents) VALUES
  ('kb-01',  'Keyboard',        4900),
  ('ms-02',  'Mouse',           1900),
  ('mon-27', 'Monitor 27"',    22900),
  ('cab-usb','USB-C cable',      900);

INSERT INTO orders (customer_id, status, note) VALUES
  (1, 'paid',     'leave at the door'),
  (1, 'void',     NULL),
  (2, 'refunded', 'wrong colour'),
  (3, 'pending',  NULL),
  (4, 'paid',     'gift wrap');

INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) VALUES
  (1, 1, 1, 4900),
  (1, 2, 2, 1900),
  (2, 3, 1, 22900),
  (3, 4, 3, 900),
  (4, 1, 1, 4900),
  (5, 3, 2, 22900);
