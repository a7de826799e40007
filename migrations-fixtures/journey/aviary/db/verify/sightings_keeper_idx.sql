-- Verify aviary:sightings_keeper_idx on pg

SELECT 1/COUNT(*) FROM pg_indexes WHERE schemaname = 'aviary' AND indexname = 'sightings_nickname_idx';
