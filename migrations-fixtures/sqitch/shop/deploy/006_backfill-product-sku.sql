-- Deploy shop:006_backfill-product-sku to pg
-- Data rewrite: fill products.sku_normalized.

BEGIN;
UPDATE products SET sku_normalized = upper(sku) WHERE sku_normalized IS NULL;
COMMIT;
