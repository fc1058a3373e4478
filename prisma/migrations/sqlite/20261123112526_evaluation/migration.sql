-- CreateTable
CREATE TABLE "Indicator" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "year" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "standard" TEXT NOT NULL,
    "points" REAL NOT NULL,
    "siteTypes" TEXT NOT NULL DEFAULT '[]',
    "leadLeader" TEXT NOT NULL,
    "task" TEXT NOT NULL,
    "evaluationDate" DATETIME NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "IndicatorDepartment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "indicatorId" INTEGER NOT NULL,
    "departmentId" INTEGER NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'lead',
    "staff" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "IndicatorDepartment_indicatorId_fkey" FOREIGN KEY ("indicatorId") REFERENCES "Indicator" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "IndicatorDepartment_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Milestone" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "indicatorId" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "dueDate" DATETIME NOT NULL,
    "progress" INTEGER NOT NULL DEFAULT 0,
    "doneAt" DATETIME,
    "note" TEXT NOT NULL DEFAULT '',
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Milestone_indicatorId_fkey" FOREIGN KEY ("indicatorId") REFERENCES "Indicator" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "MockEvaluation" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "seed" INTEGER NOT NULL,
    "params" TEXT NOT NULL,
    "createdById" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "MockEvaluationSite" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "evaluationId" INTEGER NOT NULL,
    "siteId" INTEGER NOT NULL,
    "siteType" TEXT NOT NULL,
    "gridId" INTEGER,
    "streetId" INTEGER,
    "departmentId" INTEGER,
    "stratum" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "MockEvaluationSite_evaluationId_fkey" FOREIGN KEY ("evaluationId") REFERENCES "MockEvaluation" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "MockEvaluationSite_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "EvaluationSite" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ScoreEntry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "mockSiteId" INTEGER NOT NULL,
    "indicatorId" INTEGER NOT NULL,
    "maxPoints" REAL NOT NULL,
    "lostPoints" REAL NOT NULL DEFAULT 0,
    "note" TEXT NOT NULL DEFAULT '',
    "problemId" INTEGER,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ScoreEntry_mockSiteId_fkey" FOREIGN KEY ("mockSiteId") REFERENCES "MockEvaluationSite" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ScoreEntry_indicatorId_fkey" FOREIGN KEY ("indicatorId") REFERENCES "Indicator" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_EvaluationSite" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "lng" REAL NOT NULL,
    "lat" REAL NOT NULL,
    "gridId" INTEGER,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "EvaluationSite_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Grid" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_EvaluationSite" ("createdAt", "gridId", "id", "lat", "lng", "name", "type") SELECT "createdAt", "gridId", "id", "lat", "lng", "name", "type" FROM "EvaluationSite";
DROP TABLE "EvaluationSite";
ALTER TABLE "new_EvaluationSite" RENAME TO "EvaluationSite";
CREATE INDEX "EvaluationSite_gridId_idx" ON "EvaluationSite"("gridId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "Indicator_year_code_key" ON "Indicator"("year", "code");

-- CreateIndex
CREATE INDEX "IndicatorDepartment_departmentId_idx" ON "IndicatorDepartment"("departmentId");

-- CreateIndex
CREATE UNIQUE INDEX "IndicatorDepartment_indicatorId_departmentId_key" ON "IndicatorDepartment"("indicatorId", "departmentId");

-- CreateIndex
CREATE INDEX "Milestone_indicatorId_idx" ON "Milestone"("indicatorId");

-- CreateIndex
CREATE INDEX "Milestone_dueDate_idx" ON "Milestone"("dueDate");

-- CreateIndex
CREATE INDEX "MockEvaluation_createdAt_idx" ON "MockEvaluation"("createdAt");

-- CreateIndex
CREATE INDEX "MockEvaluationSite_siteId_idx" ON "MockEvaluationSite"("siteId");

-- CreateIndex
CREATE UNIQUE INDEX "MockEvaluationSite_evaluationId_siteId_key" ON "MockEvaluationSite"("evaluationId", "siteId");

-- CreateIndex
CREATE INDEX "ScoreEntry_indicatorId_idx" ON "ScoreEntry"("indicatorId");

-- CreateIndex
CREATE UNIQUE INDEX "ScoreEntry_mockSiteId_indicatorId_key" ON "ScoreEntry"("mockSiteId", "indicatorId");
