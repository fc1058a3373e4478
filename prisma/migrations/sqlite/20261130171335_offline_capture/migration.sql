-- AlterTable
ALTER TABLE "Inspection" ADD COLUMN "capturedAt" DATETIME;
ALTER TABLE "Inspection" ADD COLUMN "clockOffsetMs" INTEGER;
ALTER TABLE "Inspection" ADD COLUMN "deviceCapturedAt" DATETIME;
