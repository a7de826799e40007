-- Deploy aviary:sightings to pg
-- requires: appschema
-- requires: keepers

BEGIN;

SET client_min_messages = 'warning';

CREATE TABLE aviary.sightings (
    id        BIGSERIAL   PRIMARY KEY,
    nickname  TEXT        NOT NULL REFERENCES aviary.keepers(nickname),
    body      TEXT        NOT NULL DEFAULT '' CHECK ( length(body) <= 180 ),
    timestamp TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

COMMIT;
