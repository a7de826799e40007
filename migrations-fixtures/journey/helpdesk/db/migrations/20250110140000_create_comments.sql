-- migrate:up
CREATE TABLE comments (
  id         bigserial PRIMARY KEY,
  ticket_id  bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  author_id  bigint REFERENCES agents (id),
  body       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- migrate:down
DROP TABLE IF EXISTS comments CASCADE;
