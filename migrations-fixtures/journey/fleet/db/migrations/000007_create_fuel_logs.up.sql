CREATE TABLE fuel_logs (
    id         bigserial PRIMARY KEY,
    vehicle_id bigint NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    litres     numeric(6, 2) NOT NULL CHECK (litres > 0),
    filled_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX fuel_logs_vehicle_id_idx ON fuel_logs (vehicle_id);
