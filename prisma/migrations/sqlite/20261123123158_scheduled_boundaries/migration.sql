/*
  Warnings:

  - A unique constraint covering the columns `[pendingKey]` on the table `BoundaryVersion` will be added. If there are existing duplicate values, this will fail.

*/
-- AlterTable
ALTER TABLE "BoundaryVersion" ADD COLUMN "appliedAt" DATETIME;
ALTER TABLE "BoundaryVersion" ADD COLUMN "cancelReason" TEXT;
ALTER TABLE "BoundaryVersion" ADD COLUMN "cancelledAt" DATETIME;
ALTER TABLE "BoundaryVersion" ADD COLUMN "pendingDraft" TEXT;
ALTER TABLE "BoundaryVersion" ADD COLUMN "pendingKey" INTEGER;

-- CreateIndex
CREATE UNIQUE INDEX "BoundaryVersion_pendingKey_key" ON "BoundaryVersion"("pendingKey");
