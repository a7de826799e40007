-- AlterTable: a rename (Prisma generated DROP COLUMN "note" + ADD COLUMN "customer_note", edited by hand).
ALTER TABLE "orders" RENAME COLUMN "note" TO "customer_note";
