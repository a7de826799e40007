-- Deploy aviary:keepers to pg
-- requires: appschema

BEGIN;

SET client_min_messages = 'warning';

CREATE TABLE aviary.keepers (
    nickname  TEXT        PRIMARY KEY,
    password  TEXT        NOT NULL,
    fullname  TEXT        NOT NULL,
    pager   TEXT        NOT NULL DEFAULT '',
    timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

COMMIT;
