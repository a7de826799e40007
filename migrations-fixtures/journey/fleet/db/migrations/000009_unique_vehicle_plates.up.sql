CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS vehicles_plate_key ON vehicles (plate);
