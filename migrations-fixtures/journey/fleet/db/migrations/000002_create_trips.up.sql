CREATE TYPE trip_state AS ENUM ('planned', 'driving', 'done');

CREATE TABLE trips (
    id          bigserial PRIMARY KEY,
    driver_id   bigint NOT NULL REFERENCES drivers (id),
    vehicle_id  bigint NOT NULL REFERENCES vehicles (id),
    state       trip_state NOT NULL DEFAULT 'planned',
    distance_km integer NOT NULL DEFAULT 0,
    started_at  timestamptz
);
