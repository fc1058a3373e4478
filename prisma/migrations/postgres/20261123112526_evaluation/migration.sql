-- AlterTable
ALTER TABLE "EvaluationSite" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "Indicator" (
    "id" SERIAL NOT NULL,
    "year" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "standard" TEXT NOT NULL,
    "points" DOUBLE PRECISION NOT NULL,
    "siteTypes" TEXT NOT NULL DEFAULT '[]',
    "leadLeader" TEXT NOT NULL,
    "task" TEXT NOT NULL,
    "evaluationDate" TIMESTAMP(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Indicator_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IndicatorDepartment" (
    "id" SERIAL NOT NULL,
    "indicatorId" INTEGER NOT NULL,
    "departmentId" INTEGER NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'lead',
    "staff" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "IndicatorDepartment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Milestone" (
    "id" SERIAL NOT NULL,
    "indicatorId" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "dueDate" TIMESTAMP(3) NOT NULL,
    "progress" INTEGER NOT NULL DEFAULT 0,
    "doneAt" TIMESTAMP(3),
    "note" TEXT NOT NULL DEFAULT '',
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Milestone_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MockEvaluation" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "seed" INTEGER NOT NULL,
    "params" TEXT NOT NULL,
    "createdById" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MockEvaluation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MockEvaluationSite" (
    "id" SERIAL NOT NULL,
    "evaluationId" INTEGER NOT NULL,
    "siteId" INTEGER NOT NULL,
    "siteType" TEXT NOT NULL,
    "gridId" INTEGER,
    "streetId" INTEGER,
    "departmentId" INTEGER,
    "stratum" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "MockEvaluationSite_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScoreEntry" (
    "id" SERIAL NOT NULL,
    "mockSiteId" INTEGER NOT NULL,
    "indicatorId" INTEGER NOT NULL,
    "maxPoints" DOUBLE PRECISION NOT NULL,
    "lostPoints" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "note" TEXT NOT NULL DEFAULT '',
    "problemId" INTEGER,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ScoreEntry_pkey" PRIMARY KEY ("id")
);

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

-- AddForeignKey
ALTER TABLE "IndicatorDepartment" ADD CONSTRAINT "IndicatorDepartment_indicatorId_fkey" FOREIGN KEY ("indicatorId") REFERENCES "Indicator"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IndicatorDepartment" ADD CONSTRAINT "IndicatorDepartment_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Milestone" ADD CONSTRAINT "Milestone_indicatorId_fkey" FOREIGN KEY ("indicatorId") REFERENCES "Indicator"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MockEvaluationSite" ADD CONSTRAINT "MockEvaluationSite_evaluationId_fkey" FOREIGN KEY ("evaluationId") REFERENCES "MockEvaluation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MockEvaluationSite" ADD CONSTRAINT "MockEvaluationSite_siteId_fkey" FOREIGN KEY ("siteId") REFERENCES "EvaluationSite"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScoreEntry" ADD CONSTRAINT "ScoreEntry_mockSiteId_fkey" FOREIGN KEY ("mockSiteId") REFERENCES "MockEvaluationSite"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScoreEntry" ADD CONSTRAINT "ScoreEntry_indicatorId_fkey" FOREIGN KEY ("indicatorId") REFERENCES "Indicator"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
