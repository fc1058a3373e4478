-- CreateTable
CREATE TABLE "LoginCounter" (
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "slot" INTEGER NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "LoginCounter_pkey" PRIMARY KEY ("scope","key","slot")
);
