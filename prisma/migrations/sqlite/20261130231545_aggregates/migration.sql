-- CreateTable
CREATE TABLE "ProblemTally" (
    "gridId" INTEGER NOT NULL,
    "departmentId" INTEGER NOT NULL,
    "supervisingDepartmentId" INTEGER NOT NULL,
    "open" INTEGER NOT NULL DEFAULT 0,
    "overdue" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("gridId", "departmentId", "supervisingDepartmentId")
);

-- CreateTable
CREATE TABLE "ProblemMonthTally" (
    "departmentId" INTEGER NOT NULL,
    "supervisingDepartmentId" INTEGER NOT NULL,
    "month" TEXT NOT NULL,
    "reported" INTEGER NOT NULL DEFAULT 0,
    "ended" INTEGER NOT NULL DEFAULT 0,
    "closed" INTEGER NOT NULL DEFAULT 0,
    "closedOnTime" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("departmentId", "supervisingDepartmentId", "month")
);

-- CreateTable
CREATE TABLE "InspectionTally" (
    "gridId" INTEGER NOT NULL,
    "month" TEXT NOT NULL,
    "departmentId" INTEGER NOT NULL,
    "inspected" INTEGER NOT NULL DEFAULT 0,
    "proven" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("gridId", "month", "departmentId")
);

-- CreateTable
CREATE TABLE "AggregateClock" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "overdueAsOf" DATETIME NOT NULL
);
