/*
  Warnings:

  - A unique constraint covering the columns `[pendingKey]` on the table `BoundaryVersion` will be added. If there are existing duplicate values, this will fail.

*/
-- AlterTable
ALTER TABLE "BoundaryVersion" ADD COLUMN     "appliedAt" TIMESTAMP(3),
ADD COLUMN     "cancelReason" TEXT,
ADD COLUMN     "cancelledAt" TIMESTAMP(3),
ADD COLUMN     "pendingDraft" TEXT,
ADD COLUMN     "pendingKey" INTEGER;

-- CreateIndex
CREATE UNIQUE INDEX "BoundaryVersion_pendingKey_key" ON "BoundaryVersion"("pendingKey");
