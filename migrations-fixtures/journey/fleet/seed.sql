-- Rows for the fleet history. Load after 000002_create_trips. Two plates,
-- 'kx 41 ab' and 'KX41AB', become the same plate once 000008 normalizes
-- them, so 000009's unique index fails on them (the dirty state).
INSERT INTO drivers (full_name, email, email_verified, created_at)
SELECT 'Driver ' || g, 'driver' || g || '@fleet.example', g % 2 = 0,
       timestamptz '2024-10-01 08:00:00+00' + g * interval '1 day'
  FROM generate_series(1, 8) g;

INSERT INTO vehicles (plate, legacy_code, created_at) VALUES
  ('kx 41 ab', 'V-001', '2024-09-01 10:00:00+00'),
  ('KX41AB',   'V-002', '2024-09-02 10:00:00+00'),
  ('lm 07 zz', 'V-003', '2024-09-03 10:00:00+00'),
  ('PQ12RS',   NULL,    '2024-09-04 10:00:00+00'),
  ('tu 88 vw', 'V-005', '2024-09-05 10:00:00+00'),
  ('AB 99 CD', 'V-006', '2024-09-06 10:00:00+00');

INSERT INTO trips (driver_id, vehicle_id, state, distance_km, started_at)
SELECT 1 + (g % 8), 1 + (g % 6),
       (ARRAY['planned', 'driving', 'done']::trip_state[])[1 + g % 3],
       10 + (g * 7) % 90,
       timestamptz '2025-01-02 06:00:00+00' + g * interval '53 minutes'
  FROM generate_series(1, 120) g;
