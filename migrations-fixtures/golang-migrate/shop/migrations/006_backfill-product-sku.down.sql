-- It was NULL before the backfill.
UPDATE products SET sku_normalized = NULL;
