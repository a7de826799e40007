/*
  Warnings:

  - You are about to drop the column `bio` on the `Instructor` table. All the data in the column will be lost.

*/
-- AlterTable
ALTER TABLE "Instructor" DROP COLUMN "bio",
ADD COLUMN     "about" TEXT;
