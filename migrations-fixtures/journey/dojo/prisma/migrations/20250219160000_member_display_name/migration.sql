-- AlterTable
ALTER TABLE "Member" ADD COLUMN     "displayName" TEXT;

-- Backfill added by hand: the first word of the name until members choose their own.
UPDATE "Member" SET "displayName" = split_part("name", ' ', 1) WHERE "displayName" IS NULL;
