-- AlterTable
ALTER TABLE "Problem" ADD COLUMN "importRow" INTEGER;
