-- migrate:up
CREATE TABLE sla_policies (
  id                  serial PRIMARY KEY,
  name                text NOT NULL UNIQUE,
  first_response_mins integer NOT NULL CHECK (first_response_mins > 0)
);

INSERT INTO sla_policies (name, first_response_mins) VALUES
  ('standard', 480),
  ('priority', 60);

ALTER TABLE tickets ADD COLUMN sla_policy_id integer REFERENCES sla_policies (id);

-- migrate:down
ALTER TABLE tickets DROP COLUMN sla_policy_id;
DROP TABLE sla_policies;
