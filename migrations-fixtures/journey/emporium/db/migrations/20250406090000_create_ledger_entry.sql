-- migrate:up
-- Written against the billing schema through search_path, as an ORM configured
-- with `schema: billing` writes it: the names below are not schema-qualified.
-- RESET at the end: dbmate records the version in the first schema of the
-- search path, inside the same transaction.
SET LOCAL search_path TO billing, public;

CREATE TABLE "LedgerEntry" (
  "id" bigserial PRIMARY KEY,
  "invoiceId" integer NOT NULL REFERENCES "Invoice" ("id"),
  "amountCents" bigint NOT NULL,
  "postedAt" timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX "LedgerEntry_invoiceId_idx" ON "LedgerEntry" ("invoiceId");

RESET search_path;

-- migrate:down
SET LOCAL search_path TO billing, public;
DROP TABLE "LedgerEntry";
RESET search_path;
