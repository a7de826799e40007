-- migrate:up
CREATE SCHEMA IF NOT EXISTS billing;
CREATE TYPE billing."InvoiceStatus" AS ENUM ('draft', 'open', 'paid', 'void');

CREATE TABLE "Customer" (
  "id" serial PRIMARY KEY,
  "fullName" text NOT NULL,
  "emailAddress" text,
  "user" text,
  "createdAt" timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE billing."Invoice" (
  "id" serial PRIMARY KEY,
  "customerId" integer NOT NULL REFERENCES "Customer" ("id"),
  "status" billing."InvoiceStatus" NOT NULL DEFAULT 'draft',
  "order" integer NOT NULL,
  "totalCents" bigint NOT NULL DEFAULT 0
);

-- migrate:down
DROP TABLE billing."Invoice";
DROP TABLE "Customer";
DROP TYPE billing."InvoiceStatus";
DROP SCHEMA billing;
