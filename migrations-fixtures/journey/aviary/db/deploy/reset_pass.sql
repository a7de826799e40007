-- Deploy aviary:reset_pass to pg
-- requires: keepers
-- requires: appschema

BEGIN;

CREATE OR REPLACE FUNCTION aviary.reset_pass(
    nick    TEXT,
    oldpass TEXT,
    newpass TEXT
) RETURNS BOOLEAN LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    UPDATE aviary.keepers
       SET password = md5($3)
     WHERE nickname = $1
       AND password = md5($2);
    RETURN FOUND;
END;
$$;

COMMIT;
