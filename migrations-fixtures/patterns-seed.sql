-- Rows for the "patterns" fixtures. Load after migration 001.
INSERT INTO customers (email, name) VALUES
  ('Ada@Example.com',   'Ada Lovelace'),
  ('grace@example.com', 'Grace Hopper'),
  ('Edsger@Example.NL', 'Edsger Dijkstra');

INSERT INTO orders (customer_id, status, note, total_cents) VALUES
  (1, 'paid',      'leave at the door', 4900),
  (1, 'pending',   NULL,                1900),
  (2, 'paid',      'gift wrap',         22900),
  (3, 'cancelled', NULL,                900);

INSERT INTO sessions (customer_id, expires_at) VALUES
  (1, now() - interval '30 days'),
  (2, now() - interval '1 day'),
  (3, now() + interval '7 days');
