-- Verify aviary:add_keeper on pg

BEGIN;

SELECT has_function_privilege('aviary.add_keeper(text, text)', 'execute');

SELECT 1/COUNT(*) FROM pg_catalog.pg_proc WHERE proname = 'add_keeper' AND pg_get_functiondef(oid) LIKE $$%crypt($2, gen_salt('md5'))%$$;

ROLLBACK;
