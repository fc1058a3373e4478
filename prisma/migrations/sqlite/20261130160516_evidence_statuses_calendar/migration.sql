-- AlterTable
ALTER TABLE "Problem" ADD COLUMN "mergeRequestIntoId" INTEGER;

-- AlterTable
ALTER TABLE "ProblemEvent" ADD COLUMN "targetProblemId" INTEGER;

-- CreateTable
CREATE TABLE "CalendarDay" (
    "day" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "CalendarYear" (
    "year" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "provisional" BOOLEAN NOT NULL DEFAULT false,
    "source" TEXT NOT NULL DEFAULT '',
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "IdempotencyKey" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "key" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "procedure" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "response" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "BulletinPublication" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "month" TEXT NOT NULL,
    "publishedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedById" INTEGER NOT NULL,
    "figures" TEXT NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Inspection" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "gridId" INTEGER NOT NULL,
    "departmentId" INTEGER NOT NULL,
    "date" DATETIME NOT NULL,
    "month" TEXT NOT NULL,
    "inspector" TEXT NOT NULL,
    "findings" TEXT NOT NULL,
    "checklist" TEXT NOT NULL DEFAULT '[]',
    "lng" REAL,
    "lat" REAL,
    "onSite" BOOLEAN,
    "createdById" INTEGER NOT NULL,
    "distanceOutside" REAL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "recordedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lateReason" TEXT,
    "approvedAt" DATETIME,
    "approvedById" INTEGER,
    "approvalNote" TEXT,
    "accuracyM" REAL,
    "presenceNote" TEXT,
    CONSTRAINT "Inspection_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Grid" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Inspection_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Inspection_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Inspection" ("checklist", "createdAt", "createdById", "date", "departmentId", "distanceOutside", "findings", "gridId", "id", "inspector", "lat", "lng", "month", "onSite") SELECT "checklist", "createdAt", "createdById", "date", "departmentId", "distanceOutside", "findings", "gridId", "id", "inspector", "lat", "lng", "month", "onSite" FROM "Inspection";
DROP TABLE "Inspection";
ALTER TABLE "new_Inspection" RENAME TO "Inspection";
CREATE INDEX "Inspection_month_gridId_idx" ON "Inspection"("month", "gridId");
CREATE INDEX "Inspection_departmentId_month_idx" ON "Inspection"("departmentId", "month");
CREATE TABLE "new_Photo" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "inspectionId" INTEGER,
    "problemId" INTEGER,
    "stage" TEXT NOT NULL DEFAULT '',
    "mime" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "data" BLOB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uploadedById" INTEGER,
    "takenAt" DATETIME,
    "exifLng" REAL,
    "exifLat" REAL,
    "dhash" TEXT,
    "evidenceFlags" TEXT NOT NULL DEFAULT '[]',
    CONSTRAINT "Photo_inspectionId_fkey" FOREIGN KEY ("inspectionId") REFERENCES "Inspection" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Photo_problemId_fkey" FOREIGN KEY ("problemId") REFERENCES "Problem" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Photo" ("createdAt", "data", "id", "inspectionId", "mime", "problemId", "sha256", "size", "stage") SELECT "createdAt", "data", "id", "inspectionId", "mime", "problemId", "sha256", "size", "stage" FROM "Photo";
DROP TABLE "Photo";
ALTER TABLE "new_Photo" RENAME TO "Photo";
CREATE INDEX "Photo_inspectionId_idx" ON "Photo"("inspectionId");
CREATE INDEX "Photo_problemId_idx" ON "Photo"("problemId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "CalendarDay_year_idx" ON "CalendarDay"("year");

-- CreateIndex
CREATE UNIQUE INDEX "IdempotencyKey_key_key" ON "IdempotencyKey"("key");

-- CreateIndex
CREATE UNIQUE INDEX "BulletinPublication_month_key" ON "BulletinPublication"("month");

-- Data: inspections stored before this migration were recorded when their rows were created (the server stamp then)
UPDATE "Inspection" SET "recordedAt" = "createdAt";
