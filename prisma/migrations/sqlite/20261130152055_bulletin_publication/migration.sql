-- CreateTable
CREATE TABLE "BulletinPublication" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "month" TEXT NOT NULL,
    "publishedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedById" INTEGER NOT NULL,
    "figures" TEXT NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "BulletinPublication_month_key" ON "BulletinPublication"("month");
