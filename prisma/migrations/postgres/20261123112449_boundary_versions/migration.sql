-- AlterTable
ALTER TABLE "Grid" ADD COLUMN     "retiredAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "BoundaryVersion" (
    "id" SERIAL NOT NULL,
    "number" INTEGER NOT NULL,
    "baseVersion" INTEGER NOT NULL,
    "effectiveFrom" TIMESTAMP(3) NOT NULL,
    "authorId" INTEGER,
    "reason" TEXT NOT NULL,
    "summary" TEXT NOT NULL DEFAULT '{}',
    "accepted" TEXT NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BoundaryVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GridGeometryHistory" (
    "id" SERIAL NOT NULL,
    "gridId" INTEGER NOT NULL,
    "versionId" INTEGER NOT NULL,
    "geometry" TEXT NOT NULL,
    "validFrom" TIMESTAMP(3) NOT NULL,
    "validTo" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GridGeometryHistory_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "BoundaryVersion_number_key" ON "BoundaryVersion"("number");

-- CreateIndex
CREATE INDEX "BoundaryVersion_effectiveFrom_idx" ON "BoundaryVersion"("effectiveFrom");

-- CreateIndex
CREATE INDEX "GridGeometryHistory_gridId_validFrom_idx" ON "GridGeometryHistory"("gridId", "validFrom");

-- CreateIndex
CREATE INDEX "GridGeometryHistory_versionId_idx" ON "GridGeometryHistory"("versionId");

-- AddForeignKey
ALTER TABLE "BoundaryVersion" ADD CONSTRAINT "BoundaryVersion_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GridGeometryHistory" ADD CONSTRAINT "GridGeometryHistory_gridId_fkey" FOREIGN KEY ("gridId") REFERENCES "Grid"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GridGeometryHistory" ADD CONSTRAINT "GridGeometryHistory_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "BoundaryVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
