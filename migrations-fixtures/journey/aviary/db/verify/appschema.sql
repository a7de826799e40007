-- Verify aviary:appschema on pg

SELECT pg_catalog.has_schema_privilege('aviary', 'usage');
