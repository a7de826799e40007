-- What the database already held when the team adopted Flyway: `flyway baseline` recorded it as version 1.
CREATE TABLE accounts (
  id   serial PRIMARY KEY,
  name text NOT NULL
);
