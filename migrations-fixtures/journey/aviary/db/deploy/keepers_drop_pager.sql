-- Deploy aviary:keepers_drop_pager to pg
-- requires: keepers

BEGIN;

ALTER TABLE aviary.keepers DROP COLUMN pager;

COMMIT;
