-- migrate:up
CREATE SCHEMA "Sales.EU";

CREATE TABLE "Sales.EU"."Order Line" (
  "id" serial PRIMARY KEY,
  "invoiceId" integer NOT NULL REFERENCES billing."Invoice" ("id") ON DELETE CASCADE,
  "sku" text NOT NULL,
  "order" integer NOT NULL DEFAULT 0,
  "unit.price" numeric(12, 2) NOT NULL
);

-- migrate:down
DROP TABLE "Sales.EU"."Order Line";
DROP SCHEMA "Sales.EU";
