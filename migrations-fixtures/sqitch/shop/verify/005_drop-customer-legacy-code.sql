-- Verify shop:005_drop-customer-legacy-code on pg
-- Fails (division by zero) while the column still exists.

SELECT 1 / (1 - count(*)) FROM information_schema.columns WHERE table_name = 'customers' AND column_name = 'legacy_code';
