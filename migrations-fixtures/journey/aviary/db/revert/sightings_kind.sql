-- Revert aviary:sightings_kind from pg

BEGIN;

ALTER TABLE aviary.sightings DROP COLUMN kind;

DROP TYPE aviary.sighting_kind;

COMMIT;
