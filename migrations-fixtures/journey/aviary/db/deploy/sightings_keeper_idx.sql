-- Deploy aviary:sightings_keeper_idx to pg
-- requires: sightings
-- no transaction: CREATE INDEX CONCURRENTLY cannot run inside one

CREATE INDEX CONCURRENTLY IF NOT EXISTS sightings_nickname_idx ON aviary.sightings (nickname, timestamp DESC);
