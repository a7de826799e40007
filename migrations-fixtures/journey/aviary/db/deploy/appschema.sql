-- Deploy aviary:appschema to pg

BEGIN;

CREATE SCHEMA aviary;

COMMIT;
