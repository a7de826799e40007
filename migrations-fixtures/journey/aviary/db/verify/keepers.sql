-- Verify aviary:keepers on pg

BEGIN;

SELECT nickname, password, timestamp
  FROM aviary.keepers
 WHERE FALSE;

ROLLBACK;
