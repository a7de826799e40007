-- Revert shop:006_backfill-product-sku from pg
-- It was NULL before the backfill.

BEGIN;
UPDATE products SET sku_normalized = NULL;
COMMIT;
