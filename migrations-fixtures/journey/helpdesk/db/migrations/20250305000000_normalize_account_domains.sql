-- migrate:up
-- Rewrites values in place: the original spelling of each domain is lost.
UPDATE accounts SET domain = lower(trim(domain)) WHERE domain <> lower(trim(domain));

-- migrate:down
-- A placeholder down, as some teams write them: it runs and changes nothing.
SELECT 'down SQL query';
