-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_AggregateClock" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "overdueAsOf" DATETIME NOT NULL,
    "seq" INTEGER NOT NULL DEFAULT 0,
    "fullSeq" INTEGER NOT NULL DEFAULT 0
);
INSERT INTO "new_AggregateClock" ("id", "overdueAsOf") SELECT "id", "overdueAsOf" FROM "AggregateClock";
DROP TABLE "AggregateClock";
ALTER TABLE "new_AggregateClock" RENAME TO "AggregateClock";
CREATE TABLE "new_InspectionTally" (
    "gridId" INTEGER NOT NULL,
    "month" TEXT NOT NULL,
    "departmentId" INTEGER NOT NULL,
    "inspected" INTEGER NOT NULL DEFAULT 0,
    "proven" INTEGER NOT NULL DEFAULT 0,
    "seq" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("gridId", "month", "departmentId")
);
INSERT INTO "new_InspectionTally" ("departmentId", "gridId", "inspected", "month", "proven") SELECT "departmentId", "gridId", "inspected", "month", "proven" FROM "InspectionTally";
DROP TABLE "InspectionTally";
ALTER TABLE "new_InspectionTally" RENAME TO "InspectionTally";
CREATE INDEX "InspectionTally_seq_idx" ON "InspectionTally"("seq");
CREATE TABLE "new_ProblemMonthTally" (
    "departmentId" INTEGER NOT NULL,
    "supervisingDepartmentId" INTEGER NOT NULL,
    "month" TEXT NOT NULL,
    "reported" INTEGER NOT NULL DEFAULT 0,
    "ended" INTEGER NOT NULL DEFAULT 0,
    "closed" INTEGER NOT NULL DEFAULT 0,
    "closedOnTime" INTEGER NOT NULL DEFAULT 0,
    "seq" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("departmentId", "supervisingDepartmentId", "month")
);
INSERT INTO "new_ProblemMonthTally" ("closed", "closedOnTime", "departmentId", "ended", "month", "reported", "supervisingDepartmentId") SELECT "closed", "closedOnTime", "departmentId", "ended", "month", "reported", "supervisingDepartmentId" FROM "ProblemMonthTally";
DROP TABLE "ProblemMonthTally";
ALTER TABLE "new_ProblemMonthTally" RENAME TO "ProblemMonthTally";
CREATE INDEX "ProblemMonthTally_seq_idx" ON "ProblemMonthTally"("seq");
CREATE TABLE "new_ProblemTally" (
    "gridId" INTEGER NOT NULL,
    "departmentId" INTEGER NOT NULL,
    "supervisingDepartmentId" INTEGER NOT NULL,
    "open" INTEGER NOT NULL DEFAULT 0,
    "overdue" INTEGER NOT NULL DEFAULT 0,
    "seq" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("gridId", "departmentId", "supervisingDepartmentId")
);
INSERT INTO "new_ProblemTally" ("departmentId", "gridId", "open", "overdue", "supervisingDepartmentId") SELECT "departmentId", "gridId", "open", "overdue", "supervisingDepartmentId" FROM "ProblemTally";
DROP TABLE "ProblemTally";
ALTER TABLE "new_ProblemTally" RENAME TO "ProblemTally";
CREATE INDEX "ProblemTally_seq_idx" ON "ProblemTally"("seq");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
