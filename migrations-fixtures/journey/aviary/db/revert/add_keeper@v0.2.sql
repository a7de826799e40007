-- Revert aviary:add_keeper from pg

BEGIN;

DROP FUNCTION aviary.add_keeper(TEXT, TEXT);

COMMIT;
