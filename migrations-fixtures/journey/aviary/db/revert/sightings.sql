-- Revert aviary:sightings from pg

BEGIN;

DROP TABLE aviary.sightings;

COMMIT;
