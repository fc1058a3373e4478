-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Problem" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "lng" REAL NOT NULL,
    "lat" REAL NOT NULL,
    "gridId" INTEGER,
    "departmentId" INTEGER,
    "categoryCode" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "priority" TEXT NOT NULL DEFAULT 'normal',
    "deadline" DATETIME,
    "reporterId" INTEGER,
    "reporterName" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'manual',
    "inspectionId" INTEGER,
    "externalId" TEXT,
    "importBatchId" INTEGER,
    "boundaryGridIds" TEXT,
    "reboundOfId" INTEGER,
    "mergedIntoId" INTEGER,
    "mergeRequestIntoId" INTEGER,
    "reworkCount" INTEGER NOT NULL DEFAULT 0,
    "extensionCount" INTEGER NOT NULL DEFAULT 0,
    "supervisingDepartmentId" INTEGER,
    "routingRuleId" INTEGER,
    "returnCount" INTEGER NOT NULL DEFAULT 0,
    "reopenCount" INTEGER NOT NULL DEFAULT 0,
    "reportedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dispatchedAt" DATETIME,
    "closedAt" DATETIME,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Problem_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Grid" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Problem_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Problem_categoryCode_fkey" FOREIGN KEY ("categoryCode") REFERENCES "ProblemCategory" ("code") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Problem_reporterId_fkey" FOREIGN KEY ("reporterId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Problem_inspectionId_fkey" FOREIGN KEY ("inspectionId") REFERENCES "Inspection" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Problem_importBatchId_fkey" FOREIGN KEY ("importBatchId") REFERENCES "ImportBatch" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Problem_reboundOfId_fkey" FOREIGN KEY ("reboundOfId") REFERENCES "Problem" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Problem_mergedIntoId_fkey" FOREIGN KEY ("mergedIntoId") REFERENCES "Problem" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Problem" ("boundaryGridIds", "categoryCode", "closedAt", "createdAt", "deadline", "departmentId", "description", "dispatchedAt", "extensionCount", "externalId", "gridId", "id", "importBatchId", "inspectionId", "lat", "lng", "mergeRequestIntoId", "mergedIntoId", "priority", "reboundOfId", "reportedAt", "reporterId", "reporterName", "returnCount", "reworkCount", "routingRuleId", "source", "status", "supervisingDepartmentId", "updatedAt", "version") SELECT "boundaryGridIds", "categoryCode", "closedAt", "createdAt", "deadline", "departmentId", "description", "dispatchedAt", "extensionCount", "externalId", "gridId", "id", "importBatchId", "inspectionId", "lat", "lng", "mergeRequestIntoId", "mergedIntoId", "priority", "reboundOfId", "reportedAt", "reporterId", "reporterName", "returnCount", "reworkCount", "routingRuleId", "source", "status", "supervisingDepartmentId", "updatedAt", "version" FROM "Problem";
DROP TABLE "Problem";
ALTER TABLE "new_Problem" RENAME TO "Problem";
CREATE UNIQUE INDEX "Problem_externalId_key" ON "Problem"("externalId");
CREATE INDEX "Problem_gridId_status_idx" ON "Problem"("gridId", "status");
CREATE INDEX "Problem_departmentId_status_idx" ON "Problem"("departmentId", "status");
CREATE INDEX "Problem_status_deadline_idx" ON "Problem"("status", "deadline");
CREATE INDEX "Problem_reportedAt_idx" ON "Problem"("reportedAt");
CREATE INDEX "Problem_categoryCode_status_idx" ON "Problem"("categoryCode", "status");
CREATE INDEX "Problem_departmentId_id_idx" ON "Problem"("departmentId", "id");
CREATE INDEX "Problem_status_gridId_deadline_idx" ON "Problem"("status", "gridId", "deadline");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
