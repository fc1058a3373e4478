-- AlterTable
ALTER TABLE "Inspection" ADD COLUMN     "accuracyM" DOUBLE PRECISION,
ADD COLUMN     "approvalNote" TEXT,
ADD COLUMN     "approvedAt" TIMESTAMP(3),
ADD COLUMN     "approvedById" INTEGER,
ADD COLUMN     "lateReason" TEXT,
ADD COLUMN     "presenceNote" TEXT,
ADD COLUMN     "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "Photo" ADD COLUMN     "dhash" TEXT,
ADD COLUMN     "evidenceFlags" TEXT NOT NULL DEFAULT '[]',
ADD COLUMN     "exifLat" DOUBLE PRECISION,
ADD COLUMN     "exifLng" DOUBLE PRECISION,
ADD COLUMN     "takenAt" TIMESTAMP(3),
ADD COLUMN     "uploadedById" INTEGER;
