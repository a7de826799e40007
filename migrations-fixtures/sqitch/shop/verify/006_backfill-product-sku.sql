-- Verify shop:006_backfill-product-sku on pg
-- Fails (division by zero) when a product is left without sku_normalized.

SELECT 1 / (1 - least(count(*), 1)) FROM products WHERE sku_normalized IS NULL;
