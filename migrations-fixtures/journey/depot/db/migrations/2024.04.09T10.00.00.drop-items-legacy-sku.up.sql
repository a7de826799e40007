-- The old system's SKUs are no longer read anywhere. No .down.sql: the values are gone.
ALTER TABLE items DROP COLUMN legacy_sku;
