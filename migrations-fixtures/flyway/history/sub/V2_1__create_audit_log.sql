-- An underscore in a version is a dot: this is version 2.1. In a sub-folder (Flyway searches them), written on Windows (CRLF, which does not change its checksum).
CREATE TABLE audit_log (
  id         bigserial PRIMARY KEY,
  account_id integer REFERENCES accounts,
  action     text NOT NULL
);
