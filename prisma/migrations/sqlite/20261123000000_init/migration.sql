-- CreateTable
CREATE TABLE "Grid" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "parentId" INTEGER,
    "geometry" TEXT NOT NULL,
    "minLng" REAL NOT NULL,
    "minLat" REAL NOT NULL,
    "maxLng" REAL NOT NULL,
    "maxLat" REAL NOT NULL,
    "area" REAL NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Grid_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Grid" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Department" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "shortName" TEXT NOT NULL,
    "contactPerson" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "GridHolder" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "gridId" INTEGER NOT NULL,
    "departmentId" INTEGER NOT NULL,
    "cadreName" TEXT NOT NULL,
    "cadreTitle" TEXT NOT NULL,
    "contactName" TEXT NOT NULL,
    "contactPhone" TEXT NOT NULL,
    "validFrom" DATETIME NOT NULL,
    "validTo" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "GridHolder_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Grid" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "GridHolder_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Inspection" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "gridId" INTEGER NOT NULL,
    "departmentId" INTEGER NOT NULL,
    "date" DATETIME NOT NULL,
    "month" TEXT NOT NULL,
    "inspector" TEXT NOT NULL,
    "findings" TEXT NOT NULL,
    "lng" REAL,
    "lat" REAL,
    "onSite" BOOLEAN,
    "createdById" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Inspection_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Grid" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Inspection_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Inspection_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ProblemCategory" (
    "code" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "group" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "deadlineDays" INTEGER NOT NULL
);

-- CreateTable
CREATE TABLE "Problem" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "lng" REAL NOT NULL,
    "lat" REAL NOT NULL,
    "gridId" INTEGER,
    "departmentId" INTEGER,
    "categoryCode" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "deadline" DATETIME,
    "reporterId" INTEGER,
    "reporterName" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'manual',
    "inspectionId" INTEGER,
    "externalId" TEXT,
    "reportedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" DATETIME,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Problem_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Grid" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Problem_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Problem_categoryCode_fkey" FOREIGN KEY ("categoryCode") REFERENCES "ProblemCategory" ("code") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Problem_reporterId_fkey" FOREIGN KEY ("reporterId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Problem_inspectionId_fkey" FOREIGN KEY ("inspectionId") REFERENCES "Inspection" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ProblemEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "problemId" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "fromStatus" TEXT,
    "toStatus" TEXT NOT NULL,
    "actorId" INTEGER,
    "note" TEXT NOT NULL DEFAULT '',
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ProblemEvent_problemId_fkey" FOREIGN KEY ("problemId") REFERENCES "Problem" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "ProblemEvent_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "EvaluationSite" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "lng" REAL NOT NULL,
    "lat" REAL NOT NULL,
    "gridId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "EvaluationSite_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Grid" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "login" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "departmentId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "User_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" INTEGER NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "Grid_code_key" ON "Grid"("code");

-- CreateIndex
CREATE INDEX "Grid_level_idx" ON "Grid"("level");

-- CreateIndex
CREATE INDEX "Grid_parentId_idx" ON "Grid"("parentId");

-- CreateIndex
CREATE INDEX "Grid_minLng_maxLng_minLat_maxLat_idx" ON "Grid"("minLng", "maxLng", "minLat", "maxLat");

-- CreateIndex
CREATE UNIQUE INDEX "Department_name_key" ON "Department"("name");

-- CreateIndex
CREATE INDEX "GridHolder_gridId_validFrom_idx" ON "GridHolder"("gridId", "validFrom");

-- CreateIndex
CREATE INDEX "GridHolder_departmentId_idx" ON "GridHolder"("departmentId");

-- CreateIndex
CREATE INDEX "Inspection_month_gridId_idx" ON "Inspection"("month", "gridId");

-- CreateIndex
CREATE INDEX "Inspection_departmentId_month_idx" ON "Inspection"("departmentId", "month");

-- CreateIndex
CREATE UNIQUE INDEX "Problem_externalId_key" ON "Problem"("externalId");

-- CreateIndex
CREATE INDEX "Problem_gridId_status_idx" ON "Problem"("gridId", "status");

-- CreateIndex
CREATE INDEX "Problem_departmentId_status_idx" ON "Problem"("departmentId", "status");

-- CreateIndex
CREATE INDEX "Problem_status_deadline_idx" ON "Problem"("status", "deadline");

-- CreateIndex
CREATE INDEX "Problem_reportedAt_idx" ON "Problem"("reportedAt");

-- CreateIndex
CREATE INDEX "ProblemEvent_problemId_at_idx" ON "ProblemEvent"("problemId", "at");

-- CreateIndex
CREATE INDEX "EvaluationSite_gridId_idx" ON "EvaluationSite"("gridId");

-- CreateIndex
CREATE UNIQUE INDEX "User_login_key" ON "User"("login");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");
