-- Revert aviary:appschema from pg

BEGIN;

DROP SCHEMA aviary;

COMMIT;
