-- Up Migration
CREATE INDEX bookings_pet_id_starts_on_index ON bookings (pet_id, starts_on);

-- Down Migration
DROP INDEX bookings_pet_id_starts_on_index;
