-- CreateTable
CREATE TABLE "BulletinPublication" (
    "id" SERIAL NOT NULL,
    "month" TEXT NOT NULL,
    "publishedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedById" INTEGER NOT NULL,
    "figures" TEXT NOT NULL,

    CONSTRAINT "BulletinPublication_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "BulletinPublication_month_key" ON "BulletinPublication"("month");
