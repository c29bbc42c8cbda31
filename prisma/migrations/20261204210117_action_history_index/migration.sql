-- CreateIndex
CREATE INDEX "actions_createdAt_id_idx" ON "actions"("createdAt", "id");
