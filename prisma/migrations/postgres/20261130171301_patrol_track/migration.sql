-- AlterTable
ALTER TABLE "Photo" ADD COLUMN     "exifSource" TEXT;

-- CreateTable
CREATE TABLE "PatrolTrack" (
    "id" SERIAL NOT NULL,
    "inspectionId" INTEGER NOT NULL,
    "geojson" TEXT NOT NULL,
    "pointCount" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3) NOT NULL,
    "lengthM" DOUBLE PRECISION NOT NULL,
    "coverage" DOUBLE PRECISION,
    "bufferM" DOUBLE PRECISION NOT NULL DEFAULT 50,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PatrolTrack_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PatrolTrack_inspectionId_key" ON "PatrolTrack"("inspectionId");

-- AddForeignKey
ALTER TABLE "PatrolTrack" ADD CONSTRAINT "PatrolTrack_inspectionId_fkey" FOREIGN KEY ("inspectionId") REFERENCES "Inspection"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
