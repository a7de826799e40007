-- migrate:up
CREATE TABLE billing."Payment" (
  "id" bigint GENERATED ALWAYS AS IDENTITY,
  "invoiceId" integer NOT NULL REFERENCES billing."Invoice" ("id"),
  "paidAt" date NOT NULL,
  "amountCents" bigint NOT NULL,
  PRIMARY KEY ("id", "paidAt")
) PARTITION BY RANGE ("paidAt");

CREATE TABLE billing."Payment_2024" PARTITION OF billing."Payment" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE billing."Payment_2025" PARTITION OF billing."Payment" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

-- migrate:down
DROP TABLE billing."Payment";
