-- CreateIndex
CREATE INDEX "Problem_departmentId_id_idx" ON "Problem"("departmentId", "id");

-- CreateIndex
CREATE INDEX "Problem_status_gridId_deadline_idx" ON "Problem"("status", "gridId", "deadline");
