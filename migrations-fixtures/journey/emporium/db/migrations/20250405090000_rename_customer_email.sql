-- migrate:up
ALTER TABLE "Customer" RENAME COLUMN "emailAddress" TO "primaryEmail";

-- migrate:down
ALTER TABLE "Customer" RENAME COLUMN "primaryEmail" TO "emailAddress";
