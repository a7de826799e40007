-- Verify aviary:add_keeper on pg

BEGIN;

SELECT has_function_privilege('aviary.add_keeper(text, text)', 'execute');

ROLLBACK;
