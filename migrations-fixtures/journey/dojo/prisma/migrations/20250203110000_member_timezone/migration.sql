/*
  Warnings:

  - Added the required column `timezone` to the `Member` table without a default value. This is not possible if the table is not empty.

*/
-- AlterTable
-- Edited by hand after the first deploy failed on the filled table: a default for the rows already there.
ALTER TABLE "Member" ADD COLUMN     "timezone" TEXT NOT NULL DEFAULT 'Europe/Berlin';
