CREATE TYPE plan_kind AS ENUM ('free', 'pro');

CREATE TABLE accounts (
  id serial PRIMARY KEY,
  email varchar(100) NOT NULL UNIQUE,
  plan plan_kind NOT NULL DEFAULT 'free'
);
