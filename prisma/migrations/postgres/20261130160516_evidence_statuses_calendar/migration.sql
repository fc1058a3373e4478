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

-- AlterTable
ALTER TABLE "Problem" ADD COLUMN     "mergeRequestIntoId" INTEGER;

-- AlterTable
ALTER TABLE "ProblemEvent" ADD COLUMN     "targetProblemId" INTEGER;

-- CreateTable
CREATE TABLE "CalendarDay" (
    "day" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CalendarDay_pkey" PRIMARY KEY ("day")
);

-- CreateTable
CREATE TABLE "CalendarYear" (
    "year" INTEGER NOT NULL,
    "provisional" BOOLEAN NOT NULL DEFAULT false,
    "source" TEXT NOT NULL DEFAULT '',
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CalendarYear_pkey" PRIMARY KEY ("year")
);

-- CreateTable
CREATE TABLE "IdempotencyKey" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "procedure" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "response" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IdempotencyKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BulletinPublication" (
    "id" SERIAL NOT NULL,
    "month" TEXT NOT NULL,
    "publishedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedById" INTEGER NOT NULL,
    "figures" TEXT NOT NULL,

    CONSTRAINT "BulletinPublication_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CalendarDay_year_idx" ON "CalendarDay"("year");

-- CreateIndex
CREATE UNIQUE INDEX "IdempotencyKey_key_key" ON "IdempotencyKey"("key");

-- CreateIndex
CREATE UNIQUE INDEX "BulletinPublication_month_key" ON "BulletinPublication"("month");

-- Data: inspections stored before this migration were recorded when their rows were created (the server stamp then)
UPDATE "Inspection" SET "recordedAt" = "createdAt";
