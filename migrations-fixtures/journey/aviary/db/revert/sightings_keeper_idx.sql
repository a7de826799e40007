-- Revert aviary:sightings_keeper_idx from pg

DROP INDEX CONCURRENTLY IF EXISTS aviary.sightings_nickname_idx;
