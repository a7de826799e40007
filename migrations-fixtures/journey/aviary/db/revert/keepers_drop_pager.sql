-- Revert aviary:keepers_drop_pager from pg

BEGIN;

ALTER TABLE aviary.keepers ADD COLUMN pager TEXT NOT NULL DEFAULT '';

COMMIT;
