-- migrate:up
ALTER TABLE agents DROP COLUMN pager;

-- migrate:down
ALTER TABLE agents ADD COLUMN pager text;
