-- Verify aviary:sightings_kind on pg

SELECT kind FROM aviary.sightings WHERE FALSE;
