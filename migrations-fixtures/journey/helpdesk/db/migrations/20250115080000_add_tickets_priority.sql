-- migrate:up
-- Additive: a column with a constant default is not a rewrite since PostgreSQL 11.
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS priority smallint NOT NULL DEFAULT 2;

-- migrate:down
ALTER TABLE tickets DROP COLUMN IF EXISTS priority;
