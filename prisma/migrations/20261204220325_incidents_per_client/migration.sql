-- DropIndex
DROP INDEX "incidents_externalId_key";

-- AlterTable
ALTER TABLE "incidents" ADD COLUMN     "createdByClientId" UUID;

-- CreateIndex
CREATE UNIQUE INDEX "incidents_createdByClientId_externalId_key" ON "incidents"("createdByClientId", "externalId");
