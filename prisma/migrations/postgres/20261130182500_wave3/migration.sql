-- AlterTable
ALTER TABLE "Inspection" ADD COLUMN     "capturedAt" TIMESTAMP(3),
ADD COLUMN     "clockOffsetMs" INTEGER,
ADD COLUMN     "deviceCapturedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Photo" ADD COLUMN     "exifSource" TEXT;

-- AlterTable
ALTER TABLE "Problem" ADD COLUMN     "returnCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "routingRuleId" INTEGER,
ADD COLUMN     "supervisingDepartmentId" INTEGER;

-- CreateTable
CREATE TABLE "ResponsibilityRule" (
    "id" SERIAL NOT NULL,
    "categoryCode" TEXT,
    "categoryGroup" TEXT,
    "areaKind" TEXT NOT NULL,
    "areaIds" TEXT NOT NULL DEFAULT '[]',
    "departmentId" INTEGER NOT NULL,
    "validFrom" TIMESTAMP(3) NOT NULL,
    "validTo" TIMESTAMP(3),
    "note" TEXT NOT NULL DEFAULT '',
    "fromReturnId" INTEGER,
    "createdById" INTEGER,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ResponsibilityRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProblemReturn" (
    "id" SERIAL NOT NULL,
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
    "ruledAt" TIMESTAMP(3),
    "ruling" TEXT NOT NULL DEFAULT '',
    "amendedRuleId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProblemReturn_pkey" PRIMARY KEY ("id")
);

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

-- AddForeignKey
ALTER TABLE "PatrolTrack" ADD CONSTRAINT "PatrolTrack_inspectionId_fkey" FOREIGN KEY ("inspectionId") REFERENCES "Inspection"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
