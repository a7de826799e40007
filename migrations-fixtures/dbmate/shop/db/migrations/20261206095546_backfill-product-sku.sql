-- migrate:up
-- Data rewrite: fill products.sku_normalized.
UPDATE products SET sku_normalized = upper(sku) WHERE sku_normalized IS NULL;

-- migrate:down
-- It was NULL before the backfill.
UPDATE products SET sku_normalized = NULL;
