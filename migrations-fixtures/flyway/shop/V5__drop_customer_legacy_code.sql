-- Destructive: the values in customers.legacy_code are gone after this.
ALTER TABLE customers DROP COLUMN legacy_code;
