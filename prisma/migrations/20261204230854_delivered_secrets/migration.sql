-- CreateTable
CREATE TABLE "delivered_secrets" (
    "executionId" UUID NOT NULL,
    "actionId" UUID NOT NULL,
    "label" TEXT NOT NULL,
    "sealed" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "delivered_secrets_pkey" PRIMARY KEY ("executionId")
);

-- CreateIndex
CREATE INDEX "delivered_secrets_actionId_idx" ON "delivered_secrets"("actionId");

-- CreateIndex
CREATE INDEX "delivered_secrets_expiresAt_idx" ON "delivered_secrets"("expiresAt");

-- AddForeignKey
ALTER TABLE "delivered_secrets" ADD CONSTRAINT "delivered_secrets_executionId_fkey" FOREIGN KEY ("executionId") REFERENCES "executions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
