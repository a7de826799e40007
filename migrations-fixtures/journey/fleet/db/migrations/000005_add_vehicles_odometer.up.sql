BEGIN;

ALTER TABLE vehicles ADD COLUMN odometer_km integer NOT NULL DEFAULT 0;

UPDATE vehicles v
   SET odometer_km = t.total
  FROM (SELECT vehicle_id, sum(distance_km) AS total FROM trips GROUP BY vehicle_id) t
 WHERE t.vehicle_id = v.id;

COMMIT;
