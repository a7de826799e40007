-- Deploy aviary:add_keeper to pg
-- requires: keepers
-- requires: appschema

BEGIN;

CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE OR REPLACE FUNCTION aviary.add_keeper(
    nickname TEXT,
    password TEXT
) RETURNS VOID LANGUAGE SQL SECURITY DEFINER AS $$
    INSERT INTO aviary.keepers (nickname, password, fullname) VALUES($1, crypt($2, gen_salt('md5')), $1);
$$;

COMMIT;
