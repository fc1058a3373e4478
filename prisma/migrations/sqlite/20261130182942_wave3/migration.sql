-- AlterTable
ALTER TABLE "Inspection" ADD COLUMN "capturedAt" DATETIME;
ALTER TABLE "Inspection" ADD COLUMN "clockOffsetMs" INTEGER;
ALTER TABLE "Inspection" ADD COLUMN "deviceCapturedAt" DATETIME;

-- AlterTable
ALTER TABLE "Photo" ADD COLUMN "exifSource" TEXT;

-- CreateTable
CREATE TABLE "ResponsibilityRule" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "categoryCode" TEXT,
    "categoryGroup" TEXT,
    "areaKind" TEXT NOT NULL,
    "areaIds" TEXT NOT NULL DEFAULT '[]',
    "departmentId" INTEGER NOT NULL,
    "validFrom" DATETIME NOT NULL,
    "validTo" DATETIME,
    "note" TEXT NOT NULL DEFAULT '',
    "fromReturnId" INTEGER,
    "createdById" INTEGER,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ProblemReturn" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "problemId" INTEGER NOT NULL,
    "departmentId" INTEGER NOT NULL,
    "requestedById" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "suggestedDepartmentId" INTEGER,
    "categoryCode" TEXT NOT NULL,
    "gridId" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "newDepartmentId" INTEGER,
    "ruledById" INTEGER,
    "ruledAt" DATETIME,
    "ruling" TEXT NOT NULL DEFAULT '',
    "amendedRuleId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

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

-- CreateTable
CREATE TABLE "Notification" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL DEFAULT '',
    "link" TEXT NOT NULL DEFAULT '',
    "problemId" INTEGER,
    "supervisionId" INTEGER,
    "decisionKey" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "readAt" DATETIME
);

-- CreateTable
CREATE TABLE "ReminderDecision" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "key" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "decidedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "channel" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" DATETIME,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME
);

-- CreateTable
CREATE TABLE "SchedulerLease" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "holder" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SupervisionNotice" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "year" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "problemId" INTEGER NOT NULL,
    "departmentId" INTEGER NOT NULL,
    "deadline" DATETIME NOT NULL,
    "daysOverdue" INTEGER NOT NULL,
    "issuedAt" DATETIME NOT NULL,
    "replyDue" DATETIME NOT NULL,
    "replyText" TEXT,
    "repliedAt" DATETIME,
    "repliedById" INTEGER,
    "level" INTEGER NOT NULL DEFAULT 1,
    "escalatedAt" DATETIME
);

-- CreateTable
CREATE TABLE "ProblemFollowUp" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "problemId" INTEGER NOT NULL,
    "departmentId" INTEGER,
    "outcome" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "reopened" BOOLEAN NOT NULL DEFAULT false,
    "byId" INTEGER NOT NULL,
    "at" DATETIME NOT NULL
);

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
INSERT INTO "new_Problem" ("boundaryGridIds", "categoryCode", "closedAt", "createdAt", "deadline", "departmentId", "description", "dispatchedAt", "extensionCount", "externalId", "gridId", "id", "importBatchId", "inspectionId", "lat", "lng", "mergeRequestIntoId", "mergedIntoId", "priority", "reboundOfId", "reportedAt", "reporterId", "reporterName", "reworkCount", "source", "status", "updatedAt", "version") SELECT "boundaryGridIds", "categoryCode", "closedAt", "createdAt", "deadline", "departmentId", "description", "dispatchedAt", "extensionCount", "externalId", "gridId", "id", "importBatchId", "inspectionId", "lat", "lng", "mergeRequestIntoId", "mergedIntoId", "priority", "reboundOfId", "reportedAt", "reporterId", "reporterName", "reworkCount", "source", "status", "updatedAt", "version" FROM "Problem";
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

-- CreateIndex
CREATE INDEX "ResponsibilityRule_validFrom_idx" ON "ResponsibilityRule"("validFrom");

-- CreateIndex
CREATE INDEX "ResponsibilityRule_departmentId_idx" ON "ResponsibilityRule"("departmentId");

-- CreateIndex
CREATE INDEX "ProblemReturn_problemId_idx" ON "ProblemReturn"("problemId");

-- CreateIndex
CREATE INDEX "ProblemReturn_status_idx" ON "ProblemReturn"("status");

-- CreateIndex
CREATE INDEX "ProblemReturn_departmentId_createdAt_idx" ON "ProblemReturn"("departmentId", "createdAt");

-- CreateIndex
CREATE INDEX "ProblemReturn_categoryCode_gridId_idx" ON "ProblemReturn"("categoryCode", "gridId");

-- CreateIndex
CREATE UNIQUE INDEX "PatrolTrack_inspectionId_key" ON "PatrolTrack"("inspectionId");

-- CreateIndex
CREATE INDEX "Notification_userId_readAt_idx" ON "Notification"("userId", "readAt");

-- CreateIndex
CREATE INDEX "Notification_userId_id_idx" ON "Notification"("userId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "ReminderDecision_key_key" ON "ReminderDecision"("key");

-- CreateIndex
CREATE INDEX "OutboxMessage_status_nextAttemptAt_idx" ON "OutboxMessage"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "SupervisionNotice_problemId_idx" ON "SupervisionNotice"("problemId");

-- CreateIndex
CREATE INDEX "SupervisionNotice_departmentId_idx" ON "SupervisionNotice"("departmentId");

-- CreateIndex
CREATE UNIQUE INDEX "SupervisionNotice_year_seq_key" ON "SupervisionNotice"("year", "seq");

-- CreateIndex
CREATE INDEX "ProblemFollowUp_problemId_idx" ON "ProblemFollowUp"("problemId");

-- CreateIndex
CREATE INDEX "ProblemFollowUp_departmentId_idx" ON "ProblemFollowUp"("departmentId");
