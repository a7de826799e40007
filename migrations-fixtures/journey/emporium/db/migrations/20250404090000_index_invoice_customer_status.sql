-- migrate:up
-- 62 bytes: PostgreSQL keeps names up to 63.
CREATE INDEX "Invoice_customerId_status_totalCents_order_covering_lookup_idx"
  ON billing."Invoice" ("customerId", "status", "totalCents", "order");

-- migrate:down
DROP INDEX billing."Invoice_customerId_status_totalCents_order_covering_lookup_idx";
