-- migrate:up
-- Destructive: the values in customers.legacy_code are gone after this.
ALTER TABLE customers DROP COLUMN legacy_code;

-- migrate:down
-- Brings the column back, empty: the dropped values cannot be restored by a down.
ALTER TABLE customers ADD COLUMN legacy_code text;
