import type { Db } from "@/lib/db/client";
import { jsonTime, sqlOf, type Queryable } from "@/lib/db/sql";
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

// The same rows as ACTION_INCLUDE in one statement; related rows arrive as JSON. Columns
// are listed, not `a.*`, so a column added by a later migration cannot change the result type
// of the statement prepared on a connection of a process that is still running.
const ACTION_VIEW = `
  SELECT a.id, a."incidentId", a.kind, a."domainId", a."targetIdentity", a."targetResource", a."targetDisplayName",
         a."targetNameFlags", a.parameters, a.justification, a.evidence, a.state, a.version, a.risk, a.reversible,
         a."requestedByType", a."requestedByClientId", a."requestedByUserId", a."requiredApprovals",
         a."maxExecutionWindowSeconds", a."decisionDeadline", a."effectDurationSeconds", a."effectEndsAt", a.plan,
         a."planHash", a."planRevertState", a."openKey", a."stateReason", a."createdAt", a."updatedAt",
         json_build_object('name', d.name, 'kind', d.kind) AS domain,
         json_build_object('id', i.id, 'externalId', i."externalId", 'title', i.title, 'severity', i.severity) AS incident,
         (SELECT json_build_object('id', c.id, 'name', c.name, 'ownerEmail', c."ownerEmail", 'floodFlaggedAt', c."floodFlaggedAt")
            FROM workload_clients c WHERE c.id = a."requestedByClientId") AS "requestedByClient",
         (SELECT json_build_object('id', u.id, 'email', u.email, 'displayName', u."displayName")
            FROM users u WHERE u.id = a."requestedByUserId") AS "requestedByUser",
         coalesce((SELECT json_agg(p ORDER BY p."createdAt") FROM policy_decisions p WHERE p."actionId" = a.id), '[]') AS decisions,
         coalesce((SELECT json_agg(to_jsonb(ap) || jsonb_build_object('approver', jsonb_build_object('id', u.id, 'email', u.email, 'displayName', u."displayName"))
                                   ORDER BY ap."createdAt")
                     FROM approvals ap JOIN users u ON u.id = ap."approverId" WHERE ap."actionId" = a.id), '[]') AS approvals,
         coalesce((SELECT json_agg(g ORDER BY g."createdAt") FROM grants g WHERE g."actionId" = a.id), '[]') AS grants,
         coalesce((SELECT json_agg(e ORDER BY e."createdAt") FROM executions e WHERE e."actionId" = a.id), '[]') AS executions
    FROM actions a
    JOIN domains d ON d.id = a."domainId"
    JOIN incidents i ON i.id = a."incidentId"
   WHERE a.id = $1::uuid`;

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

type JsonDates<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };
type ViewRow = Omit<ActionWithRelations, "requestedByClient" | "decisions" | "approvals" | "grants" | "executions"> & {
  requestedByClient: JsonDates<NonNullable<ActionWithRelations["requestedByClient"]>> | null;
  decisions: JsonDates<ActionWithRelations["decisions"][number]>[];
  approvals: JsonDates<ActionWithRelations["approvals"][number]>[];
  grants: JsonDates<ActionWithRelations["grants"][number]>[];
  executions: JsonDates<ActionWithRelations["executions"][number]>[];
};

function reviveDates(row: ViewRow): ActionWithRelations {
  return {
    ...row,
    requestedByClient: row.requestedByClient && { ...row.requestedByClient, floodFlaggedAt: jsonTime(row.requestedByClient.floodFlaggedAt) },
    decisions: row.decisions.map((decision) => ({ ...decision, createdAt: jsonTime(decision.createdAt) })),
    approvals: row.approvals.map((approval) => ({ ...approval, createdAt: jsonTime(approval.createdAt) })),
    grants: row.grants.map((grant) => ({ ...grant, expiresAt: jsonTime(grant.expiresAt), redeemedAt: jsonTime(grant.redeemedAt), createdAt: jsonTime(grant.createdAt) })),
    executions: row.executions.map((execution) => ({
      ...execution,
      startedAt: jsonTime(execution.startedAt),
      finishedAt: jsonTime(execution.finishedAt),
      createdAt: jsonTime(execution.createdAt),
    })),
  };
}

/**
 * Loads an action with everything the API and the console show, in the API's shape, with
 * one statement: the view is returned after every decision, so it sits on the hot path.
 */
export async function loadActionView(db: Queryable, id: string) {
  const [row] = UUID.test(id) ? await sqlOf(db).query<ViewRow>(ACTION_VIEW, [id]) : [];
  if (!row) throw new NotFound(`action ${id} not found`, { actionId: id });
  return toActionView(reviveDates(row));
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
