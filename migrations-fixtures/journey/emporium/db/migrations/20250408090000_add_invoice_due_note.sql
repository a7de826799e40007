-- migrate:up
ALTER TABLE billing."Invoice" ADD COLUMN "dueNote" text;

-- Re-declared by a later branch of the team, as merges do: a no-op here.
CREATE INDEX IF NOT EXISTS "Invoice_customerId_status_totalCents_order_covering_lookup_idx"
  ON billing."Invoice" ("customerId", "status", "totalCents", "order");

-- migrate:down
ALTER TABLE billing."Invoice" DROP COLUMN "dueNote";
