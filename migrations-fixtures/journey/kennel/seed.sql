-- Loaded after 1720172800000_index-bookings-pet-dates: owners (most with a
-- phone), their pets, and a season of bookings.
INSERT INTO owners (email, full_name, phone, created_at)
SELECT 'owner' || g || '@kennel.test', 'Owner ' || g,
       CASE WHEN g % 6 = 0 THEN NULL ELSE '+44 20 7946 ' || lpad(g::text, 4, '0') END,
       now() - interval '200 days'
  FROM generate_series(1, 60) g;

INSERT INTO pets (owner_id, name, species)
SELECT 1 + g % 60, 'Pet ' || g, CASE WHEN g % 3 = 0 THEN 'cat' ELSE 'dog' END
  FROM generate_series(1, 90) g;

INSERT INTO bookings (pet_id, starts_on, ends_on, status, notes)
SELECT 1 + g % 90,
       date '2024-05-01' + g,
       date '2024-05-01' + g + 1 + g % 9,
       (ARRAY['requested', 'confirmed', 'cancelled']::booking_status[])[1 + g % 3],
       CASE WHEN g % 4 = 0 THEN 'feeds twice a day' END
  FROM generate_series(1, 240) g;
