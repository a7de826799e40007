-- One statement, so golang-migrate's single Exec runs it outside any transaction.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_trips_vehicle_id ON trips (vehicle_id);
