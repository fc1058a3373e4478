-- AlterTable
ALTER TABLE "Photo" ADD COLUMN "dhash" TEXT;
ALTER TABLE "Photo" ADD COLUMN "exifLat" REAL;
ALTER TABLE "Photo" ADD COLUMN "exifLng" REAL;
ALTER TABLE "Photo" ADD COLUMN "takenAt" DATETIME;

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
    "accuracyM" REAL,
    CONSTRAINT "Inspection_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Grid" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Inspection_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Inspection_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Inspection" ("checklist", "createdAt", "createdById", "date", "departmentId", "distanceOutside", "findings", "gridId", "id", "inspector", "lat", "lng", "month", "onSite") SELECT "checklist", "createdAt", "createdById", "date", "departmentId", "distanceOutside", "findings", "gridId", "id", "inspector", "lat", "lng", "month", "onSite" FROM "Inspection";
DROP TABLE "Inspection";
ALTER TABLE "new_Inspection" RENAME TO "Inspection";
CREATE INDEX "Inspection_month_gridId_idx" ON "Inspection"("month", "gridId");
CREATE INDEX "Inspection_departmentId_month_idx" ON "Inspection"("departmentId", "month");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "CalendarDay_year_idx" ON "CalendarDay"("year");
