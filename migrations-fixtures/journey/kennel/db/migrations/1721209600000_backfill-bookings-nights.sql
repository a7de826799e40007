-- Up Migration
ALTER TABLE bookings ADD COLUMN nights integer;

UPDATE bookings SET nights = ends_on - starts_on;

ALTER TABLE bookings ALTER COLUMN nights SET NOT NULL;

-- Down Migration
ALTER TABLE bookings DROP COLUMN nights;
