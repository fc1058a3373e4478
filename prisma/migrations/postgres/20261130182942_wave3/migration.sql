-- AlterTable
ALTER TABLE "Inspection" ADD COLUMN     "capturedAt" TIMESTAMP(3),
ADD COLUMN     "clockOffsetMs" INTEGER,
ADD COLUMN     "deviceCapturedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Photo" ADD COLUMN     "exifSource" TEXT;

-- AlterTable
ALTER TABLE "Problem" ADD COLUMN     "reopenCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "returnCount" INTEGER NOT NULL DEFAULT 0,
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

-- CreateTable
CREATE TABLE "Notification" (
    "id" SERIAL NOT NULL,
    "userId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL DEFAULT '',
    "link" TEXT NOT NULL DEFAULT '',
    "problemId" INTEGER,
    "supervisionId" INTEGER,
    "decisionKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "readAt" TIMESTAMP(3),

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReminderDecision" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "decidedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReminderDecision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxMessage" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "OutboxMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SchedulerLease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SchedulerLease_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "SupervisionNotice" (
    "id" SERIAL NOT NULL,
    "year" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "problemId" INTEGER NOT NULL,
    "departmentId" INTEGER NOT NULL,
    "deadline" TIMESTAMP(3) NOT NULL,
    "daysOverdue" INTEGER NOT NULL,
    "issuedAt" TIMESTAMP(3) NOT NULL,
    "replyDue" TIMESTAMP(3) NOT NULL,
    "replyText" TEXT,
    "repliedAt" TIMESTAMP(3),
    "repliedById" INTEGER,
    "level" INTEGER NOT NULL DEFAULT 1,
    "escalatedAt" TIMESTAMP(3),

    CONSTRAINT "SupervisionNotice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProblemFollowUp" (
    "id" SERIAL NOT NULL,
    "problemId" INTEGER NOT NULL,
    "departmentId" INTEGER,
    "outcome" TEXT NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "reopened" BOOLEAN NOT NULL DEFAULT false,
    "byId" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProblemFollowUp_pkey" PRIMARY KEY ("id")
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

-- AddForeignKey
ALTER TABLE "PatrolTrack" ADD CONSTRAINT "PatrolTrack_inspectionId_fkey" FOREIGN KEY ("inspectionId") REFERENCES "Inspection"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
