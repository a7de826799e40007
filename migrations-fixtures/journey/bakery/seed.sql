-- The bakery's customers and orders, loaded after 002-order-status-check
-- (before the function and the view): fax numbers for 008 to drop,
-- orders paid and shipped for the backfill of 007.
INSERT INTO customers (email, full_name, fax, phone) VALUES
  ('ines@example.test', 'Ines Moreau', '+33 1 42 68 53 00', '+33 6 12 34 56 78'),
  ('tom@example.test', 'Tom Becker', NULL, '+49 30 1234567'),
  ('li@example.test', 'Li Wen', '+86 10 6552 9988', NULL),
  ('ada@example.test', 'Ada Novak', NULL, '+420 601 123 456');
INSERT INTO products (sku, name, price_cents) VALUES
  ('BRD-SOUR', 'Sourdough loaf', 650),
  ('BRD-RYE', 'Rye loaf', 590),
  ('PST-CROI', 'Croissant', 180),
  ('PST-KANEL', 'Kanelbulle', 260);
INSERT INTO orders (customer_id, status, placed_at) VALUES
  (1, 'shipped', '2026-11-02 08:10+00'),
  (2, 'paid', '2026-11-02 09:40+00'),
  (3, 'new', '2026-11-03 07:55+00'),
  (1, 'shipped', '2026-11-03 10:20+00'),
  (4, 'paid', '2026-11-04 11:05+00');
INSERT INTO order_lines (order_id, product_id, quantity, unit_price_cents) VALUES
  (1, 1, 2, 650), (1, 3, 4, 180),
  (2, 2, 1, 590),
  (3, 4, 6, 260),
  (4, 1, 1, 650), (4, 4, 2, 260),
  (5, 3, 10, 180);
