import type { Db } from "@/lib/db/client";
import { NotFound } from "@/lib/errors";
import { formatIsoDuration } from "@/lib/time/duration";

const ACTION_INCLUDE = {
  domain: { select: { name: true, kind: true } },
  incident: { select: { id: true, externalId: true, title: true, severity: true } },
  requestedByClient: { select: { id: true, name: true, ownerEmail: true, floodFlaggedAt: true } },
  requestedByUser: { select: { id: true, email: true, displayName: true } },
  decisions: { orderBy: { createdAt: "asc" as const } },
  approvals: { orderBy: { createdAt: "asc" as const }, include: { approver: { select: { id: true, email: true, displayName: true } } } },
  grants: { orderBy: { createdAt: "asc" as const } },
  executions: { orderBy: { createdAt: "asc" as const } },
};

function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

/** Loads an action with everything the API and the console show, in the API's shape. */
export async function loadActionView(db: Db, id: string) {
  const action = await db.action.findUnique({ where: { id }, include: ACTION_INCLUDE });
  if (!action) throw new NotFound(`action ${id} not found`, { actionId: id });
  return toActionView(action);
}

type ActionWithRelations = NonNullable<Awaited<ReturnType<typeof findWithRelations>>>;
function findWithRelations(db: Db, id: string) {
  return db.action.findUnique({ where: { id }, include: ACTION_INCLUDE });
}

export function actionInclude() {
  return ACTION_INCLUDE;
}

export function toActionView(action: ActionWithRelations) {
  const round = action.approvals.reduce((max, approval) => Math.max(max, approval.round), 0);
  const currentApprovals = action.approvals.filter((approval) => approval.round === round && approval.decision === "approve");
  // The summary shows the latest decision on the action itself. Executing re-checks the
  // requester's propose scope; that check is listed under policyDecisions, not shown here.
  const lastDecision = action.decisions.filter((decision, index) => index === 0 || decision.operation !== "propose").at(-1) ?? null;
  const activeGrant = action.grants.at(-1) ?? null;
  return {
    id: action.id,
    state: action.state,
    version: action.version,
    kind: action.kind,
    risk: action.risk,
    reversible: action.reversible,
    target: {
      domain: action.domain.name,
      domainKind: action.domain.kind,
      identity: action.targetIdentity,
      resource: action.targetResource,
      displayName: action.targetDisplayName,
      nameFlags: action.targetNameFlags,
    },
    parameters: action.parameters,
    justification: action.justification,
    evidence: action.evidence,
    incidentId: action.incidentId,
    incident: action.incident,
    requestedBy:
      action.requestedByType === "workload" && action.requestedByClient
        ? { type: "workload" as const, id: action.requestedByClient.id, name: action.requestedByClient.name, owner: action.requestedByClient.ownerEmail, floodFlagged: action.requestedByClient.floodFlaggedAt !== null }
        : action.requestedByUser
          ? { type: "person" as const, id: action.requestedByUser.id, name: action.requestedByUser.displayName, email: action.requestedByUser.email }
          : { type: "system" as const, id: "cordon", name: "Cordon" },
    stateReason: action.stateReason,
    policyDecision: lastDecision && {
      id: lastDecision.id,
      operation: lastDecision.operation,
      effect: lastDecision.effect,
      policies: lastDecision.determiningPolicies,
      requiredApprovals: lastDecision.requiredApprovals,
      maxExecutionWindow: formatIsoDuration(lastDecision.maxExecutionWindowSeconds),
      reasons: lastDecision.reasons,
      decidedAt: lastDecision.createdAt.toISOString(),
    },
    policyDecisions: action.decisions.map((decision) => ({
      id: decision.id,
      operation: decision.operation,
      effect: decision.effect,
      principal: { type: decision.principalType, id: decision.principalId },
      policies: decision.determiningPolicies,
      reasons: decision.reasons,
      decidedAt: decision.createdAt.toISOString(),
    })),
    requiredApprovals: action.requiredApprovals,
    approvalsSoFar: currentApprovals.length,
    plan: action.plan,
    planHash: action.planHash,
    approvals: action.approvals.map((approval) => ({
      id: approval.id,
      decision: approval.decision,
      approver: approval.approver,
      reason: approval.reason,
      executionWindow: approval.executionWindowSeconds === null ? null : formatIsoDuration(approval.executionWindowSeconds),
      effectDuration: approval.effectDurationSeconds === null ? null : formatIsoDuration(approval.effectDurationSeconds),
      round: approval.round,
      decidedAt: approval.createdAt.toISOString(),
    })),
    grant: activeGrant && {
      id: activeGrant.id,
      planHash: activeGrant.planHash,
      expiresAt: activeGrant.expiresAt.toISOString(),
      redeemedAt: iso(activeGrant.redeemedAt),
    },
    executions: action.executions.map((execution) => ({
      id: execution.id,
      operation: execution.operation,
      attempt: execution.attempt,
      status: execution.status,
      outcome: execution.outcome,
      detail: execution.detail,
      references: execution.references,
      verified: execution.verified,
      verificationDetail: execution.verificationDetail,
      error: execution.error,
      startedAt: execution.startedAt.toISOString(),
      finishedAt: iso(execution.finishedAt),
    })),
    clocks: {
      decisionDeadline: action.decisionDeadline.toISOString(),
      executionWindow: activeGrant
        ? { duration: formatIsoDuration(Math.round((activeGrant.expiresAt.getTime() - activeGrant.createdAt.getTime()) / 1000)), endsAt: activeGrant.expiresAt.toISOString() }
        : null,
      maxExecutionWindow: formatIsoDuration(action.maxExecutionWindowSeconds),
      effectDuration: action.effectDurationSeconds === null ? null : formatIsoDuration(action.effectDurationSeconds),
      effectEndsAt: iso(action.effectEndsAt),
    },
    createdAt: action.createdAt.toISOString(),
    updatedAt: action.updatedAt.toISOString(),
  };
}

export type ActionView = ReturnType<typeof toActionView>;
