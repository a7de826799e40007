/*
  Warnings:

  - You are about to drop the column `phone` on the `Member` table. All the data in the column will be lost.

*/
-- AlterTable
ALTER TABLE "public"."Member" DROP COLUMN "phone";
