-- Rows for the clinic. Load after V2__visits: telephones in several
-- formats (V4 keeps digits only), cities that V6 drops, visits done (V7
-- invoices them).
INSERT INTO owners (first_name, last_name, address, city, telephone) VALUES
  ('George', 'Franklin', '110 W. Liberty St.', 'Madison', '(608) 555-1023'),
  ('Betty', 'Davis', '638 Cardinal Ave.', 'Sun Prairie', '608-555-1749'),
  ('Eduardo', 'Rodriquez', '2693 Commerce St.', 'McFarland', '6085558763'),
  ('Harold', 'Davis', '563 Friendly St.', 'Windsor', '608 555 3198'),
  ('Peter', 'McTavish', '2387 S. Fair Way', 'Madison', '+1 608 555 2765');

INSERT INTO pets (name, birth_date, owner_id, type_id) VALUES
  ('Leo', '2020-09-07', 1, 1),
  ('Basil', '2022-08-06', 2, 5),
  ('Rosy', '2021-04-17', 3, 2),
  ('Jewel', '2020-03-07', 3, 2),
  ('Iggy', '2020-11-30', 4, 4),
  ('George', '2020-01-20', 5, 3);

INSERT INTO visits (pet_id, visit_date, description, status) VALUES
  (1, '2024-03-04', 'rabies shot', 'done'),
  (2, '2024-03-04', 'rabies shot', 'done'),
  (3, '2024-06-04', 'neutered', 'done'),
  (4, '2024-09-04', 'spayed', 'cancelled'),
  (6, '2025-01-15', 'check-up', 'scheduled');
