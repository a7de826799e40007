-- Revert aviary:add_keeper from pg

BEGIN;

CREATE OR REPLACE FUNCTION aviary.add_keeper(
    nickname TEXT,
    password TEXT
) RETURNS VOID LANGUAGE SQL SECURITY DEFINER AS $$
    INSERT INTO aviary.keepers (nickname, password, fullname) VALUES($1, md5($2), $1);
$$;

COMMIT;
