-- Revert aviary:reset_pass from pg

BEGIN;

DROP FUNCTION aviary.reset_pass(TEXT, TEXT, TEXT);

COMMIT;
