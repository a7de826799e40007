-- migrate:up
CREATE TYPE ticket_status AS ENUM ('open', 'pending', 'closed');

CREATE TABLE tickets (
  id          bigserial PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES accounts (id),
  assignee_id bigint REFERENCES agents (id),
  subject     text NOT NULL,
  status      ticket_status NOT NULL DEFAULT 'open',
  opened_at   timestamptz NOT NULL DEFAULT now()
);

-- migrate:down
DROP TABLE tickets;
DROP TYPE ticket_status;
