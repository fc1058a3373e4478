-- AlterTable
ALTER TABLE "Problem" ADD COLUMN     "reopenCount" INTEGER NOT NULL DEFAULT 0;

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
