-- CreateEnum
CREATE TYPE "Role" AS ENUM ('approver', 'analyst', 'admin');

-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('low', 'medium', 'high', 'critical');

-- CreateEnum
CREATE TYPE "RiskLevel" AS ENUM ('low', 'medium', 'high', 'critical');

-- CreateEnum
CREATE TYPE "ActionKind" AS ENUM ('revoke_token', 'disable_account', 'rotate_credential', 'remove_entitlement', 'quarantine_workload');

-- CreateEnum
CREATE TYPE "ActionState" AS ENUM ('proposed', 'pending', 'approved', 'executing', 'succeeded', 'failed', 'denied', 'rejected', 'cancelled', 'expired', 'reverted');

-- CreateEnum
CREATE TYPE "DomainKind" AS ENUM ('postgresql', 'oauth2', 'scim');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('person', 'workload', 'system', 'domain');

-- CreateEnum
CREATE TYPE "ApprovalDecision" AS ENUM ('approve', 'reject');

-- CreateEnum
CREATE TYPE "PolicyEffect" AS ENUM ('allow', 'deny');

-- CreateEnum
CREATE TYPE "ExecutionOperation" AS ENUM ('apply', 'revert');

-- CreateEnum
CREATE TYPE "ExecutionStatus" AS ENUM ('running', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "roles" "Role"[],
    "passwordHash" TEXT,
    "oidcSubject" TEXT,
    "failedSignIns" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" TIMESTAMP(3),
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "lastSignInAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "personal_access_tokens" (
    "id" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "personal_access_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "workload_clients" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "ownerEmail" TEXT NOT NULL,
    "allowedKinds" "ActionKind"[],
    "allowedDomains" TEXT[],
    "rateLimitPerMinute" INTEGER NOT NULL DEFAULT 60,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "jwtIssuer" TEXT,
    "jwksUrl" TEXT,
    "jwtSubject" TEXT,
    "floodFlaggedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "workload_clients_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "clientId" UUID NOT NULL,
    "secretHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rate_limit_buckets" (
    "clientId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rate_limit_buckets_pkey" PRIMARY KEY ("clientId","name")
);

-- CreateTable
CREATE TABLE "rate_limit_violations" (
    "id" UUID NOT NULL,
    "clientId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rate_limit_violations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "domains" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "DomainKind" NOT NULL,
    "settings" JSONB NOT NULL,
    "credentialRef" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "domains_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incidents" (
    "id" UUID NOT NULL,
    "externalId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "severity" "Severity" NOT NULL,
    "summary" TEXT NOT NULL,
    "source" TEXT,
    "links" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "actions" (
    "id" UUID NOT NULL,
    "incidentId" UUID NOT NULL,
    "kind" "ActionKind" NOT NULL,
    "domainId" UUID NOT NULL,
    "targetIdentity" TEXT NOT NULL,
    "targetResource" TEXT,
    "targetDisplayName" TEXT NOT NULL,
    "targetNameFlags" TEXT[],
    "parameters" JSONB NOT NULL,
    "justification" TEXT NOT NULL,
    "evidence" JSONB,
    "state" "ActionState" NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "risk" "RiskLevel" NOT NULL,
    "reversible" BOOLEAN NOT NULL,
    "requestedByType" "ActorType" NOT NULL,
    "requestedByClientId" UUID,
    "requestedByUserId" UUID,
    "requiredApprovals" INTEGER NOT NULL DEFAULT 1,
    "maxExecutionWindowSeconds" INTEGER NOT NULL,
    "decisionDeadline" TIMESTAMP(3) NOT NULL,
    "effectDurationSeconds" INTEGER,
    "effectEndsAt" TIMESTAMP(3),
    "plan" JSONB NOT NULL,
    "planHash" TEXT NOT NULL,
    "planRevertState" JSONB,
    "openKey" TEXT,
    "stateReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "actions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_records" (
    "clientId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "actionId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("clientId","key")
);

-- CreateTable
CREATE TABLE "policy_decisions" (
    "id" UUID NOT NULL,
    "actionId" UUID NOT NULL,
    "operation" TEXT NOT NULL,
    "principalType" "ActorType" NOT NULL,
    "principalId" TEXT NOT NULL,
    "effect" "PolicyEffect" NOT NULL,
    "determiningPolicies" TEXT[],
    "requiredApprovals" INTEGER NOT NULL,
    "maxExecutionWindowSeconds" INTEGER NOT NULL,
    "reasons" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "policy_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "approvals" (
    "id" UUID NOT NULL,
    "actionId" UUID NOT NULL,
    "approverId" UUID NOT NULL,
    "decision" "ApprovalDecision" NOT NULL,
    "reason" TEXT NOT NULL,
    "executionWindowSeconds" INTEGER,
    "effectDurationSeconds" INTEGER,
    "policyDecisionId" UUID NOT NULL,
    "round" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "approvals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "grants" (
    "id" UUID NOT NULL,
    "actionId" UUID NOT NULL,
    "domainId" UUID NOT NULL,
    "targetIdentity" TEXT NOT NULL,
    "planHash" TEXT NOT NULL,
    "policyDecisionId" UUID NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "redeemedAt" TIMESTAMP(3),
    "redeemedBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "grants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "executions" (
    "id" UUID NOT NULL,
    "actionId" UUID NOT NULL,
    "grantId" UUID,
    "operation" "ExecutionOperation" NOT NULL,
    "attempt" INTEGER NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "status" "ExecutionStatus" NOT NULL,
    "outcome" TEXT,
    "detail" TEXT,
    "references" JSONB NOT NULL DEFAULT '[]',
    "verified" BOOLEAN,
    "verificationDetail" TEXT,
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "executions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL,
    "chain" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "actorType" "ActorType" NOT NULL,
    "actorId" TEXT NOT NULL,
    "eventType" TEXT NOT NULL,
    "actionId" UUID,
    "incidentId" UUID,
    "domain" TEXT,
    "correlationId" TEXT,
    "source" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_chain_heads" (
    "chain" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "audit_chain_heads_pkey" PRIMARY KEY ("chain")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "users_oidcSubject_key" ON "users"("oidcSubject");

-- CreateIndex
CREATE INDEX "personal_access_tokens_userId_idx" ON "personal_access_tokens"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "workload_clients_name_key" ON "workload_clients"("name");

-- CreateIndex
CREATE UNIQUE INDEX "workload_clients_jwtIssuer_jwtSubject_key" ON "workload_clients"("jwtIssuer", "jwtSubject");

-- CreateIndex
CREATE INDEX "api_keys_clientId_idx" ON "api_keys"("clientId");

-- CreateIndex
CREATE INDEX "rate_limit_violations_clientId_createdAt_idx" ON "rate_limit_violations"("clientId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "domains_name_key" ON "domains"("name");

-- CreateIndex
CREATE UNIQUE INDEX "incidents_externalId_key" ON "incidents"("externalId");

-- CreateIndex
CREATE UNIQUE INDEX "actions_openKey_key" ON "actions"("openKey");

-- CreateIndex
CREATE INDEX "actions_state_decisionDeadline_idx" ON "actions"("state", "decisionDeadline");

-- CreateIndex
CREATE INDEX "actions_incidentId_createdAt_idx" ON "actions"("incidentId", "createdAt");

-- CreateIndex
CREATE INDEX "actions_requestedByClientId_createdAt_idx" ON "actions"("requestedByClientId", "createdAt");

-- CreateIndex
CREATE INDEX "actions_state_effectEndsAt_idx" ON "actions"("state", "effectEndsAt");

-- CreateIndex
CREATE INDEX "policy_decisions_actionId_createdAt_idx" ON "policy_decisions"("actionId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "approvals_actionId_round_approverId_key" ON "approvals"("actionId", "round", "approverId");

-- CreateIndex
CREATE INDEX "grants_actionId_idx" ON "grants"("actionId");

-- CreateIndex
CREATE UNIQUE INDEX "executions_idempotencyKey_key" ON "executions"("idempotencyKey");

-- CreateIndex
CREATE INDEX "executions_actionId_createdAt_idx" ON "executions"("actionId", "createdAt");

-- CreateIndex
CREATE INDEX "audit_events_actionId_idx" ON "audit_events"("actionId");

-- CreateIndex
CREATE INDEX "audit_events_incidentId_occurredAt_idx" ON "audit_events"("incidentId", "occurredAt");

-- CreateIndex
CREATE INDEX "audit_events_domain_occurredAt_idx" ON "audit_events"("domain", "occurredAt");

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_chain_sequence_key" ON "audit_events"("chain", "sequence");

-- AddForeignKey
ALTER TABLE "personal_access_tokens" ADD CONSTRAINT "personal_access_tokens_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "workload_clients"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rate_limit_violations" ADD CONSTRAINT "rate_limit_violations_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "workload_clients"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "actions" ADD CONSTRAINT "actions_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "incidents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "actions" ADD CONSTRAINT "actions_domainId_fkey" FOREIGN KEY ("domainId") REFERENCES "domains"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "actions" ADD CONSTRAINT "actions_requestedByClientId_fkey" FOREIGN KEY ("requestedByClientId") REFERENCES "workload_clients"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "actions" ADD CONSTRAINT "actions_requestedByUserId_fkey" FOREIGN KEY ("requestedByUserId") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policy_decisions" ADD CONSTRAINT "policy_decisions_actionId_fkey" FOREIGN KEY ("actionId") REFERENCES "actions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_actionId_fkey" FOREIGN KEY ("actionId") REFERENCES "actions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_approverId_fkey" FOREIGN KEY ("approverId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "grants" ADD CONSTRAINT "grants_actionId_fkey" FOREIGN KEY ("actionId") REFERENCES "actions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "executions" ADD CONSTRAINT "executions_actionId_fkey" FOREIGN KEY ("actionId") REFERENCES "actions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "executions" ADD CONSTRAINT "executions_grantId_fkey" FOREIGN KEY ("grantId") REFERENCES "grants"("id") ON DELETE SET NULL ON UPDATE CASCADE;
