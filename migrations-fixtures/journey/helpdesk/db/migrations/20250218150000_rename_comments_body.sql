-- migrate:up
ALTER TABLE comments RENAME COLUMN body TO content;

-- migrate:down
ALTER TABLE comments RENAME COLUMN content TO body;
