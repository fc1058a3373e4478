-- AlterTable
ALTER TABLE "Inspection" ADD COLUMN     "capturedAt" TIMESTAMP(3),
ADD COLUMN     "clockOffsetMs" INTEGER,
ADD COLUMN     "deviceCapturedAt" TIMESTAMP(3);
