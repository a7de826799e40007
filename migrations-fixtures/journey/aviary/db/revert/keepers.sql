-- Revert aviary:keepers from pg

BEGIN;

DROP TABLE aviary.keepers;

COMMIT;
