-- AlterTable
ALTER TABLE "Grid" ADD COLUMN "retiredAt" DATETIME;

-- CreateTable
CREATE TABLE "BoundaryVersion" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "number" INTEGER NOT NULL,
    "baseVersion" INTEGER NOT NULL,
    "effectiveFrom" DATETIME NOT NULL,
    "authorId" INTEGER,
    "reason" TEXT NOT NULL,
    "summary" TEXT NOT NULL DEFAULT '{}',
    "accepted" TEXT NOT NULL DEFAULT '[]',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "BoundaryVersion_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "GridGeometryHistory" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "gridId" INTEGER NOT NULL,
    "versionId" INTEGER NOT NULL,
    "geometry" TEXT NOT NULL,
    "validFrom" DATETIME NOT NULL,
    "validTo" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "GridGeometryHistory_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Grid" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "GridGeometryHistory_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "BoundaryVersion" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "BoundaryVersion_number_key" ON "BoundaryVersion"("number");

-- CreateIndex
CREATE INDEX "BoundaryVersion_effectiveFrom_idx" ON "BoundaryVersion"("effectiveFrom");

-- CreateIndex
CREATE INDEX "GridGeometryHistory_gridId_validFrom_idx" ON "GridGeometryHistory"("gridId", "validFrom");

-- CreateIndex
CREATE INDEX "GridGeometryHistory_versionId_idx" ON "GridGeometryHistory"("versionId");
