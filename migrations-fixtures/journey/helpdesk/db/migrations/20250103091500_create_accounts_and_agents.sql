-- migrate:up
-- Idempotent, as the first migration of a project that once ran it by hand.
CREATE TABLE IF NOT EXISTS accounts (
  id         bigserial PRIMARY KEY,
  name       text NOT NULL,
  domain     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS agents (
  id         bigserial PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id),
  email      text NOT NULL UNIQUE,
  timezone   text NOT NULL DEFAULT 'UTC',
  pager      text
);

-- migrate:down
DROP TABLE IF EXISTS agents;
DROP TABLE IF EXISTS accounts;
