-- AlterTable
ALTER TABLE "Photo" ADD COLUMN "exifSource" TEXT;

-- CreateTable
CREATE TABLE "PatrolTrack" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "inspectionId" INTEGER NOT NULL,
    "geojson" TEXT NOT NULL,
    "pointCount" INTEGER NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "endedAt" DATETIME NOT NULL,
    "lengthM" REAL NOT NULL,
    "coverage" REAL,
    "bufferM" REAL NOT NULL DEFAULT 50,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PatrolTrack_inspectionId_fkey" FOREIGN KEY ("inspectionId") REFERENCES "Inspection" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "PatrolTrack_inspectionId_key" ON "PatrolTrack"("inspectionId");
