--liquibase formatted sql

--changeset shop:006_backfill-product-sku
--comment: Data rewrite: fill products.sku_normalized (it was NULL before the backfill).
UPDATE products SET sku_normalized = upper(sku) WHERE sku_normalized IS NULL;
--rollback UPDATE products SET sku_normalized = NULL;
