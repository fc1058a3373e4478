-- AlterTable
ALTER TABLE "AggregateClock" ADD COLUMN     "fullSeq" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "seq" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "InspectionTally" ADD COLUMN     "seq" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "ProblemMonthTally" ADD COLUMN     "seq" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "ProblemTally" ADD COLUMN     "seq" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "InspectionTally_seq_idx" ON "InspectionTally"("seq");

-- CreateIndex
CREATE INDEX "ProblemMonthTally_seq_idx" ON "ProblemMonthTally"("seq");

-- CreateIndex
CREATE INDEX "ProblemTally_seq_idx" ON "ProblemTally"("seq");
