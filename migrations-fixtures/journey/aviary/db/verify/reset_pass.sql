-- Verify aviary:reset_pass on pg

BEGIN;

SELECT has_function_privilege('aviary.reset_pass(text, text, text)', 'execute');

ROLLBACK;
