-- Verify aviary:sightings on pg

BEGIN;

SELECT id, nickname, body, timestamp FROM aviary.sightings WHERE FALSE;

ROLLBACK;
