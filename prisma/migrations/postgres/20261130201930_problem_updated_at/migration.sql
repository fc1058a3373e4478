-- CreateIndex
CREATE INDEX "Problem_updatedAt_idx" ON "Problem"("updatedAt");
