-- Data rewrite: fill products.sku_normalized.
UPDATE products SET sku_normalized = upper(sku) WHERE sku_normalized IS NULL;
