CREATE TEMP TABLE dupes AS SELECT min(id) AS keep, email FROM accounts GROUP BY email HAVING count(*) > 1;
CREATE INDEX ON dupes (email);
CREATE INDEX accounts_plan_idx ON accounts (plan);
